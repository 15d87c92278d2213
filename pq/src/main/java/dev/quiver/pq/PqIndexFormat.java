package dev.quiver.pq;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;

/** Registers {@link PqIndex} as kind {@code pq}. */
public final class PqIndexFormat implements IndexFormat {
  @Override
  public String kind() {
    return PqIndex.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    return PqIndex.build(vectors, ids, metric, params, threads);
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return PqIndex.open(file);
  }
}

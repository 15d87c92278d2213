package dev.quiver.pq;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;

/** Registers {@link Sq8Index} as kind {@code sq8}. */
public final class Sq8IndexFormat implements IndexFormat {
  @Override
  public String kind() {
    return Sq8Index.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    return Sq8Index.build(vectors, ids, metric, params);
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return Sq8Index.open(file);
  }
}

package dev.quiver.ivf;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;

/** Registers {@link IvfPqIndex} as kind {@code ivf-pq}. */
public final class IvfPqIndexFormat implements IndexFormat {
  @Override
  public String kind() {
    return IvfPqIndex.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    return IvfPqIndex.build(vectors, ids, metric, params, threads);
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return IvfPqIndex.open(file);
  }
}

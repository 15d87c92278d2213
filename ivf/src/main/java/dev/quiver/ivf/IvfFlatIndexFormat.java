package dev.quiver.ivf;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;

/** Registers {@link IvfFlatIndex} as kind {@code ivf-flat}. */
public final class IvfFlatIndexFormat implements IndexFormat {
  @Override
  public String kind() {
    return IvfFlatIndex.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    return IvfFlatIndex.build(vectors, ids, metric, params, threads);
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return IvfFlatIndex.open(file);
  }
}

package dev.quiver.ivf;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;

/** Registers {@link IvfSq8Index} as kind {@code ivf-sq8}. */
public final class IvfSq8IndexFormat implements IndexFormat {
  @Override
  public String kind() {
    return IvfSq8Index.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    return IvfSq8Index.build(vectors, ids, metric, params, threads);
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return IvfSq8Index.open(file);
  }
}

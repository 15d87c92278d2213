package dev.quiver.engine;

import java.io.IOException;

/** Registers {@link FlatIndex} as kind {@code flat}. Build parameters: none. */
public final class FlatIndexFormat implements IndexFormat {

  @Override
  public String kind() {
    return FlatIndex.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    if (params != null && !params.asMap().isEmpty()) {
      throw new IllegalArgumentException("flat index takes no build parameters, got " + params);
    }
    return FlatIndex.build(vectors, ids, metric);
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return FlatIndex.open(file);
  }
}

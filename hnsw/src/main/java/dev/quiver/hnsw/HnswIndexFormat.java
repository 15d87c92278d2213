package dev.quiver.hnsw;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.Metric;
import dev.quiver.engine.MutableIndex;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Registers {@link HnswIndex} as kind {@code hnsw}. Build parameters: {@code M},
 * {@code efConstruction}, {@code seed}, {@code ipGraph} (raw or transform), {@code traverse} (sq8: walks on
 * int8 codes, the default from 32 dimensions on; or f32), {@code reorder} (bfs, the default, or none: renumber the nodes for locality) and
 * {@code learn=PATH}, a file of sample queries (.fvecs or .npy) for a query-aware build. Search
 * parameters: {@code efSearch}, {@code rerank} (sq8: candidates rescored with the float rows).
 */
public final class HnswIndexFormat implements IndexFormat {

  @Override
  public String kind() {
    return HnswIndex.KIND;
  }

  @Override
  public VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads) {
    HnswConfig config = HnswConfig.from(params, vectors.dimension(), vectors.size());
    if (config.learn() == null) {
      return HnswIndex.build(vectors, ids, metric, params, null, threads);
    }
    try (VectorStore learn = VectorFiles.readFloats(config.learn())) {
      return HnswIndex.build(vectors, ids, metric, params, learn, threads);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the learn queries " + config.learn() + ": " + e.getMessage(), e);
    }
  }

  /** An empty graph without ids: items added later are numbered in order of addition. */
  @Override
  public MutableIndex newMutable(int dimension, Metric metric, Params params) {
    try (VectorStore none = VectorStore.allocate(dimension, 0)) {
      return HnswIndex.build(none, null, metric, params, null, 1);
    }
  }

  @Override
  public VectorIndex open(IndexFile file) throws IOException {
    return HnswFile.open(file);
  }
}

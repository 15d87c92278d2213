package dev.quiver.hnsw;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.Recall;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.util.Random;

/** Clustered test vectors, exact ground truth (from the flat index) and recall. */
final class TestData {
  private TestData() {}

  /** Gaussian cluster centres; base and queries drawn around the same centres share a distribution. */
  static float[][] centres(Random rnd, int clusters, int dim) {
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) rnd.nextGaussian();
      }
    }
    return centres;
  }

  /**
   * {@code n} points around the {@code centres}. With {@code varyNorms}, every point is scaled by
   * a factor in [0.25, 4) so that inner product and cosine rank differently.
   */
  static float[][] clustered(Random rnd, int n, float[][] centres, boolean varyNorms) {
    int dim = centres[0].length;
    float[][] v = new float[n][dim];
    for (float[] row : v) {
      float[] c = centres[rnd.nextInt(centres.length)];
      double scale = varyNorms ? Math.pow(2, rnd.nextDouble() * 4 - 2) : 1;
      for (int j = 0; j < dim; j++) {
        row[j] = (float) ((c[j] + 0.35 * rnd.nextGaussian()) * scale);
      }
    }
    return v;
  }

  /** Base and queries from one set of {@code clusters} centres: {@code [0]} base, {@code [1]} queries. */
  static float[][][] baseAndQueries(long seed, int n, int queries, int dim, int clusters, boolean varyNorms) {
    Random rnd = new Random(seed);
    float[][] centres = centres(rnd, clusters, dim);
    return new float[][][] {clustered(rnd, n, centres, varyNorms), clustered(rnd, queries, centres, varyNorms)};
  }

  static VectorStore store(float[][] rows) {
    VectorStore store = VectorStore.allocate(rows[0].length, rows.length);
    for (float[] r : rows) {
      store.add(r);
    }
    return store;
  }

  static SearchResults[] results(int n, int k) {
    SearchResults[] out = new SearchResults[n];
    for (int i = 0; i < n; i++) {
      out[i] = new SearchResults(k);
    }
    return out;
  }

  /** Exact top-k ids per query (ids are ordinals unless {@code ids} is given). */
  static int[][] groundTruth(float[][] base, Metric metric, float[][] queries, int k, OrdinalFilter[] filters) {
    try (VectorStore store = store(base); FlatIndex flat = FlatIndex.build(store, null, metric)) {
      int[][] truth = new int[queries.length][];
      SearchResults out = new SearchResults(k);
      for (int q = 0; q < queries.length; q++) {
        flat.search(queries[q], k, filters == null ? null : filters[q], Params.DEFAULT, out);
        truth[q] = new int[out.count()];
        for (int i = 0; i < out.count(); i++) {
          truth[q][i] = (int) out.id(i);
        }
      }
      return truth;
    }
  }

  /** Results of every query as id arrays. */
  static long[][] search(VectorIndex index, float[][] queries, int k, OrdinalFilter[] filters, Params params) {
    long[][] ids = new long[queries.length][];
    SearchResults out = new SearchResults(k);
    for (int q = 0; q < queries.length; q++) {
      index.search(queries[q], k, filters == null ? null : filters[q], params, out);
      ids[q] = out.ids();
    }
    return ids;
  }

  static double recall(int[][] truth, long[][] found, int k) {
    return Recall.atK(truth, found, k);
  }

  static Params params(String spec) {
    return Params.parse(spec);
  }
}

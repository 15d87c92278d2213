package dev.quiver.engine;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/** Random test data. */
final class Fixtures {
  private Fixtures() {}

  static float[][] randomVectors(Random rnd, int n, int dim) {
    float[][] v = new float[n][dim];
    for (float[] row : v) {
      for (int j = 0; j < dim; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    return v;
  }

  static long[] distinctIds(Random rnd, int n) {
    Set<Long> seen = new HashSet<>();
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      long id;
      do {
        id = rnd.nextLong();
      } while (!seen.add(id));
      ids[i] = id;
    }
    return ids;
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
}

package dev.quiver.tools;

import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Small generated data sets and an obviously correct double-precision brute force. */
public final class Fixtures {
  private Fixtures() {}

  public static TwoTowerDataset dataset(int n, int dim, int queries, long seed) {
    return TwoTowerDataset.generate(DatasetSpec.defaults(n, dim, queries, queries, queries, seed), 2, false);
  }

  /** Generates a set and writes it into {@code dir} (base.fvecs, query.fvecs, ...). */
  public static TwoTowerDataset written(Path dir, int n, int dim, int queries, long seed) throws IOException {
    TwoTowerDataset data = dataset(n, dim, queries, seed);
    data.write(dir);
    return data;
  }

  public static VectorStore store(float[][] rows) {
    VectorStore store = VectorStore.allocate(rows[0].length, rows.length);
    for (float[] r : rows) {
      store.add(r);
    }
    return store;
  }

  /** Exact top-k ordinals by double-precision scores, ties to the smaller ordinal. */
  public static int[][] bruteForce(float[][] base, float[][] queries, Metric metric, int k) {
    int[][] out = new int[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      double[] scores = new double[base.length];
      for (int i = 0; i < base.length; i++) {
        scores[i] = score(base[i], queries[q], metric);
      }
      out[q] = IntStream.range(0, base.length).boxed()
          .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
          .limit(k).mapToInt(Integer::intValue).toArray();
    }
    return out;
  }

  /** Higher is better: inner product, cosine, or negated squared distance. */
  public static double score(float[] a, float[] b, Metric metric) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    double l2 = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
      l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
    }
    return switch (metric) {
      case INNER_PRODUCT -> dot;
      case COSINE -> dot / Math.sqrt(na * nb);
      case L2 -> -l2;
    };
  }

  public static double norm(float[] v) {
    return Math.sqrt(score(v, v, Metric.INNER_PRODUCT));
  }

  public static float[][] copy(float[][] rows) {
    return Arrays.stream(rows).map(float[]::clone).toArray(float[][]::new);
  }
}

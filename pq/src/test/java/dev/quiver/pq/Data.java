package dev.quiver.pq;

import dev.quiver.engine.Metric;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.function.IntPredicate;

/** Test data and the double-precision brute-force reference. */
public final class Data {
  private Data() {}

  public static float[][] gaussian(Random rnd, int n, int dim) {
    float[][] v = new float[n][dim];
    for (float[] row : v) {
      for (int j = 0; j < dim; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    return v;
  }

  /** {@code n} points around {@code clusters} random centres (spread 1) with noise {@code sigma}. */
  public static float[][] clustered(Random rnd, int n, int dim, int clusters, double sigma) {
    float[][] centres = gaussian(rnd, clusters, dim);
    float[][] v = new float[n][dim];
    for (int i = 0; i < n; i++) {
      float[] c = centres[rnd.nextInt(clusters)];
      for (int j = 0; j < dim; j++) {
        v[i][j] = (float) (c[j] + sigma * rnd.nextGaussian());
      }
    }
    return v;
  }

  public static float[] flat(float[][] rows) {
    int dim = rows[0].length;
    float[] out = new float[rows.length * dim];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * dim, dim);
    }
    return out;
  }

  public static VectorStore store(float[][] rows) {
    VectorStore store = VectorStore.allocate(rows[0].length, rows.length);
    for (float[] r : rows) {
      store.add(r);
    }
    return store;
  }

  public static double score(float[] item, float[] query, Metric metric) {
    double dot = 0, ni = 0, nq = 0, l2 = 0;
    for (int i = 0; i < item.length; i++) {
      dot += (double) item[i] * query[i];
      ni += (double) item[i] * item[i];
      nq += (double) query[i] * query[i];
      double d = (double) item[i] - query[i];
      l2 += d * d;
    }
    return switch (metric) {
      case INNER_PRODUCT -> dot;
      case COSINE -> ni == 0 || nq == 0 ? 0 : dot / Math.sqrt(ni * nq);
      case L2 -> -l2;
    };
  }

  /** Exact top k ordinals, best first, among those {@code filter} accepts. */
  public static int[] topK(float[][] base, float[] query, int k, Metric metric, IntPredicate filter) {
    Integer[] order = new Integer[base.length];
    double[] scores = new double[base.length];
    for (int i = 0; i < base.length; i++) {
      order[i] = i;
      scores[i] = score(base[i], query, metric);
    }
    Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
    return Arrays.stream(order).filter(i -> filter == null || filter.test(i)).limit(k).mapToInt(i -> i).toArray();
  }

  /** Fraction of the exact top k (ordinals = ids) found in {@code got}. */
  public static double recall(int[] exact, SearchResults got) {
    int hit = 0;
    for (int e : exact) {
      for (int i = 0; i < got.count(); i++) {
        if (got.id(i) == e) {
          hit++;
          break;
        }
      }
    }
    return (double) hit / exact.length;
  }

  public static SearchResults[] results(int n, int k) {
    SearchResults[] out = new SearchResults[n];
    for (int i = 0; i < n; i++) {
      out[i] = new SearchResults(k);
    }
    return out;
  }
}

package dev.quiver.engine;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.IntPredicate;

/** Reference search in double precision, deliberately naive. Scores: higher is better. */
final class BruteForce {
  private BruteForce() {}

  static double score(float[] item, float[] query, Metric metric) {
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

  static long[] topK(float[][] base, long[] ids, float[] query, int k, Metric metric, IntPredicate filter) {
    Integer[] order = new Integer[base.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    double[] scores = new double[base.length];
    for (int i = 0; i < base.length; i++) {
      scores[i] = score(base[i], query, metric);
    }
    Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
    return Arrays.stream(order).filter(i -> filter == null || filter.test(i)).limit(k)
        .mapToLong(i -> ids == null ? i : ids[i]).toArray();
  }

  static int ordinalOf(long[] ids, long id) {
    if (ids == null) {
      return (int) id;
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == id) {
        return i;
      }
    }
    throw new AssertionError("unknown id " + id);
  }
}

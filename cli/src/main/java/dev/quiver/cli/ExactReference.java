package dev.quiver.cli;

import dev.quiver.engine.SearchThreads;
import java.util.Arrays;

/**
 * The exact inner-product top-k of some queries, computed independently of the engine: plain
 * double-precision loops, no kernels. Used to check the engine's exact index, whose float32
 * arithmetic may only swap items whose exact scores are closer than {@link #TIE}.
 */
final class ExactReference {
  /** Score gap below which float32 rounding of a 64-to-1024-term dot product can swap two items. */
  static final double TIE = 1e-5;

  private final float[][] base;
  private final int[][] ids;
  private final double[][] scores;
  private final float[][] queries;
  private final int k;

  private ExactReference(float[][] base, float[][] queries, int[][] ids, double[][] scores, int k) {
    this.base = base;
    this.queries = queries;
    this.ids = ids;
    this.scores = scores;
    this.k = k;
  }

  /** The reference for the first {@code count} queries, on up to {@code threads} threads. */
  static ExactReference compute(float[][] base, float[][] queries, int count, int k, int threads) {
    int[][] ids = new int[count][k];
    double[][] scores = new double[count][k];
    int parts = SearchThreads.parallelism(threads);
    SearchThreads.run(parts, part -> {
      for (int q = part; q < count; q += parts) {
        topK(base, queries[q], ids[q], scores[q]);
      }
    });
    return new ExactReference(base, Arrays.copyOf(queries, count), ids, scores, k);
  }

  /** Insertion into a sorted top-k: k is small, and this must be obviously right, not fast. */
  private static void topK(float[][] base, float[] query, int[] ids, double[] scores) {
    Arrays.fill(scores, Double.NEGATIVE_INFINITY);
    Arrays.fill(ids, -1);
    for (int i = 0; i < base.length; i++) {
      double s = dot(base[i], query);
      int pos = scores.length;
      while (pos > 0 && s > scores[pos - 1]) {
        pos--;
      }
      if (pos < scores.length) {
        System.arraycopy(scores, pos, scores, pos + 1, scores.length - pos - 1);
        System.arraycopy(ids, pos, ids, pos + 1, ids.length - pos - 1);
        scores[pos] = s;
        ids[pos] = i;
      }
    }
  }

  /** Four independent sums so that the loop is not bound by the latency of one chain of adds. */
  private static double dot(float[] a, float[] b) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < a.length; i += 4) {
      s0 += (double) a[i] * b[i];
      s1 += (double) a[i + 1] * b[i + 1];
      s2 += (double) a[i + 2] * b[i + 2];
      s3 += (double) a[i + 3] * b[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += (double) a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * How many reference neighbours {@code results} (one row per query, at least as many rows as
   * the reference) found, and how many of the misses are float ties.
   */
  record Agreement(double recall, int misses, int ties) {}

  Agreement agreement(long[][] results) {
    int hits = 0;
    int misses = 0;
    int ties = 0;
    for (int q = 0; q < ids.length; q++) {
      double worstExtra = Double.POSITIVE_INFINITY;
      for (long id : results[q]) {
        if (id >= 0 && !contains(ids[q], id)) {
          worstExtra = Math.min(worstExtra, dot(base[(int) id], queries[q]));
        }
      }
      for (int i = 0; i < k; i++) {
        if (contains(results[q], ids[q][i])) {
          hits++;
        } else {
          misses++;
          ties += Double.isFinite(worstExtra) && scores[q][i] - worstExtra <= TIE ? 1 : 0;
        }
      }
    }
    return new Agreement(hits / (double) (ids.length * k), misses, ties);
  }

  private static boolean contains(int[] row, long id) {
    for (int v : row) {
      if (v == id) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(long[] row, long id) {
    for (long v : row) {
      if (v == id) {
        return true;
      }
    }
    return false;
  }
}

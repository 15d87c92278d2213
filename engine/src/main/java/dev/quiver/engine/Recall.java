package dev.quiver.engine;

import java.util.Arrays;

/**
 * Recall of approximate search results against exact ground truth.
 *
 * <p>{@link #atK} is the "k-recall@k" of ann-benchmarks and FAISS: for each query, the size of
 * the intersection of the result's top-k ids and the ground truth's top-k ids, divided by k;
 * averaged over queries. Ids are compared as sets, so order within the top k does not matter, an
 * id repeated in a result counts once, and a result with fewer than k ids simply misses the rest.
 * Ties are not credited: a result id at the same distance as the ground truth's k-th neighbour but
 * not among its top k ids counts as a miss, as in both reference implementations.
 *
 * <p>Stateless and thread-safe.
 */
public final class Recall {
  private Recall() {}

  /**
   * Mean k-recall@k of {@code results} (ids, best first, one row per query) against
   * {@code groundTruth} (exact neighbour ids, best first, at least k per query).
   */
  public static double atK(int[][] groundTruth, long[][] results, int k) {
    check(groundTruth, results == null ? -1 : results.length, k);
    return mean(groundTruth, k, (q, found) -> {
      long[] row = row(results[q], q);
      int n = Math.min(found.length, row.length);
      System.arraycopy(row, 0, found, 0, n);
      return n;
    });
  }

  /** {@link #atK(int[][], long[][], int)} for results held as int ids (e.g. ordinals). */
  public static double atK(int[][] groundTruth, int[][] results, int k) {
    check(groundTruth, results == null ? -1 : results.length, k);
    return mean(groundTruth, k, (q, found) -> {
      int[] row = row(results[q], q);
      int n = Math.min(found.length, row.length);
      for (int i = 0; i < n; i++) {
        found[i] = row[i];
      }
      return n;
    });
  }

  /** Copies the first ids of query {@code q}'s result, at most {@code found.length}; returns how many. */
  @FunctionalInterface
  private interface TopIds {
    int copy(int q, long[] found);
  }

  private static double mean(int[][] groundTruth, int k, TopIds results) {
    long[] truth = new long[k];
    long[] found = new long[k];
    long hits = 0;
    for (int q = 0; q < groundTruth.length; q++) {
      hits += hits(groundTruth[q], truth, found, results.copy(q, found), k);
    }
    return hits / ((double) k * groundTruth.length);
  }

  private static <T> T row(T row, int q) {
    if (row == null) {
      throw new IllegalArgumentException("results row " + q + " is null");
    }
    return row;
  }

  private static void check(int[][] groundTruth, int resultRows, int k) {
    Checks.k(k);
    if (groundTruth == null || resultRows < 0) {
      throw new IllegalArgumentException((groundTruth == null ? "ground truth" : "results") + " is null");
    }
    if (groundTruth.length != resultRows) {
      throw new IllegalArgumentException("ground truth has " + groundTruth.length + " queries, results have "
          + resultRows);
    }
    if (resultRows == 0) {
      throw new IllegalArgumentException("recall needs at least one query, got none");
    }
    for (int q = 0; q < groundTruth.length; q++) {
      if (groundTruth[q] == null) {
        throw new IllegalArgumentException("ground truth row " + q + " is null");
      }
      if (groundTruth[q].length < k) {
        throw new IllegalArgumentException("ground truth row " + q + " has " + groundTruth[q].length
            + " neighbours, fewer than k = " + k);
      }
    }
  }

  /** |distinct(found[0..n)) ∩ distinct(gt[0..k))|, by sorting both and merging. */
  private static int hits(int[] gt, long[] truth, long[] found, int n, int k) {
    for (int i = 0; i < k; i++) {
      truth[i] = gt[i];
    }
    Arrays.sort(truth, 0, k);
    Arrays.sort(found, 0, n);
    int hits = 0;
    for (int i = 0, j = 0; i < k && j < n; ) {
      if (truth[i] < found[j]) {
        i++;
      } else if (truth[i] > found[j]) {
        j++;
      } else {
        hits++;
        long id = truth[i];
        while (i < k && truth[i] == id) {
          i++;
        }
        while (j < n && found[j] == id) {
          j++;
        }
      }
    }
    return hits;
  }
}

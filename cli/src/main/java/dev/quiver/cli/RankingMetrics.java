package dev.quiver.cli;

import org.agrona.collections.LongHashSet;

/**
 * Recall@N, hit rate@N and coverage@N of one ranked list per user, for several N: recall is the
 * share of a user's positives in its first N items, averaged over users; hit rate the share of
 * users with at least one; coverage the share of the catalogue in some user's first N.
 */
final class RankingMetrics {
  private final int[] ns;
  private final double[] recallSum;
  private final int[] hits;
  private final LongHashSet[] covered;
  private int users;

  RankingMetrics(int[] ns) {
    this.ns = ns.clone();
    recallSum = new double[ns.length];
    hits = new int[ns.length];
    covered = new LongHashSet[ns.length];
    for (int i = 0; i < ns.length; i++) {
      covered[i] = new LongHashSet();
    }
  }

  /** Adds one user's list, best first ({@code count} items of {@code ranked}), and its positives. */
  void add(long[] ranked, int count, LongHashSet positives) {
    users++;
    for (int i = 0; i < ns.length; i++) {
      int found = 0;
      for (int r = 0; r < Math.min(ns[i], count); r++) {
        found += positives.contains(ranked[r]) ? 1 : 0;
        covered[i].add(ranked[r]);
      }
      recallSum[i] += (double) found / positives.size();
      hits[i] += found > 0 ? 1 : 0;
    }
  }

  int users() {
    return users;
  }

  double recall(int i) {
    return users == 0 ? 0 : recallSum[i] / users;
  }

  double hitRate(int i) {
    return users == 0 ? 0 : (double) hits[i] / users;
  }

  double coverage(int i, int catalogue) {
    return (double) covered[i].size() / catalogue;
  }
}

package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecallTest {
  private static final int UNIVERSE = 1000;

  /** Distinct random ids from [0, UNIVERSE/2): the other half is free for misses. */
  private static int[][] groundTruth(Random random, int queries, int length) {
    int[][] gt = new int[queries][];
    for (int q = 0; q < queries; q++) {
      gt[q] = random.ints(0, UNIVERSE / 2).distinct().limit(length).toArray();
    }
    return gt;
  }

  private static long[] shuffled(long[] ids, Random random) {
    for (int i = ids.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    return ids;
  }

  /** A set-based reference of k-recall@k for one query. */
  private static double reference(int[] gt, long[] result, int k) {
    Set<Long> truth = new HashSet<>();
    for (int i = 0; i < k; i++) {
      truth.add((long) gt[i]);
    }
    Set<Long> found = new HashSet<>();
    for (int i = 0; i < Math.min(k, result.length); i++) {
      found.add(result[i]);
    }
    found.retainAll(truth);
    return found.size() / (double) k;
  }

  @Test
  void replacingJOfKIdsGivesKMinusJOverK() {
    Random random = new Random(1);
    for (int k : new int[] {1, 5, 10, 37}) {
      int queries = 20;
      int[][] gt = groundTruth(random, queries, k + 5);
      long[][] results = new long[queries][];
      double expected = 0;
      for (int q = 0; q < queries; q++) {
        int replaced = random.nextInt(k + 1);
        long[] r = new long[k];
        for (int i = 0; i < k; i++) {
          r[i] = i < replaced ? UNIVERSE / 2 + i : gt[q][i];
        }
        results[q] = shuffled(r, random);
        expected += (k - replaced) / (double) k;
      }
      assertEquals(expected / queries, Recall.atK(gt, results, k), 1e-12, "k=" + k);
    }
  }

  @Test
  void perfectResultsInAnyOrderGiveOne() {
    Random random = new Random(2);
    int k = 10;
    int[][] gt = groundTruth(random, 8, k);
    long[][] results = new long[gt.length][];
    for (int q = 0; q < gt.length; q++) {
      results[q] = shuffled(java.util.Arrays.stream(gt[q]).asLongStream().toArray(), random);
    }
    assertEquals(1.0, Recall.atK(gt, results, k));
  }

  @Test
  void onlyTheTopKOfBothSidesCount() {
    Random random = new Random(3);
    int k = 6;
    int[][] gt = groundTruth(random, 1, 2 * k);
    // Ground truth ranks k.. are not neighbours at k; result ranks k.. are not returned at k.
    long[] result = new long[2 * k];
    for (int i = 0; i < k; i++) {
      result[i] = gt[0][k + i];
      result[k + i] = gt[0][i];
    }
    assertEquals(0.0, Recall.atK(gt, new long[][] {result}, k));
    assertEquals(1.0, Recall.atK(gt, new long[][] {result}, 2 * k));
  }

  @Test
  void shortAndDuplicatedResultsCountDistinctHits() {
    Random random = new Random(4);
    int k = 8;
    int[][] gt = groundTruth(random, 1, k);
    long[] shortResult = {gt[0][0], gt[0][1], gt[0][2]};
    assertEquals(3.0 / k, Recall.atK(gt, new long[][] {shortResult}, k));
    long[] repeated = new long[k];
    java.util.Arrays.fill(repeated, gt[0][4]);
    assertEquals(1.0 / k, Recall.atK(gt, new long[][] {repeated}, k));
    assertEquals(0.0, Recall.atK(gt, new long[][] {{}}, k));
  }

  @Test
  void matchesSetReferenceOnRandomOverlaps() {
    Random random = new Random(5);
    for (int trial = 0; trial < 50; trial++) {
      int k = 1 + random.nextInt(30);
      int queries = 1 + random.nextInt(10);
      int[][] gt = groundTruth(random, queries, k + random.nextInt(5));
      long[][] results = new long[queries][];
      int[][] intResults = new int[queries][];
      double expected = 0;
      for (int q = 0; q < queries; q++) {
        // Ids drawn near the ground truth's range so hits, misses and duplicates all occur.
        intResults[q] = random.ints(random.nextInt(k + 5), 0, UNIVERSE / 2).toArray();
        for (int i = 0; i < intResults[q].length; i++) {
          if (random.nextBoolean()) {
            intResults[q][i] = gt[q][random.nextInt(gt[q].length)];
          }
        }
        results[q] = java.util.Arrays.stream(intResults[q]).asLongStream().toArray();
        expected += reference(gt[q], results[q], k);
      }
      double recall = Recall.atK(gt, results, k);
      assertEquals(expected / queries, recall, 1e-12);
      assertEquals(recall, Recall.atK(gt, intResults, k));
      assertTrue(recall >= 0 && recall <= 1);
    }
  }

  @Test
  void rejectsBadArguments() {
    int[][] gt = {{1, 2, 3}, {4, 5, 6}};
    long[][] results = {{1, 2, 3}, {4, 5, 6}};
    assertMessage("got 0", () -> Recall.atK(gt, results, 0));
    assertMessage("got -2", () -> Recall.atK(gt, results, -2));
    assertMessage("ground truth row 0 has 3 neighbours, fewer than k = 4", () -> Recall.atK(gt, results, 4));
    assertMessage("ground truth has 2 queries, results have 1", () -> Recall.atK(gt, new long[][] {{1}}, 1));
    assertMessage("ground truth has 2 queries, results have 3", () -> Recall.atK(gt, new int[][] {{1}, {2}, {3}}, 1));
    assertMessage("at least one query", () -> Recall.atK(new int[0][], new long[0][], 1));
    assertMessage("results row 1 is null", () -> Recall.atK(gt, new long[][] {{1}, null}, 1));
    assertMessage("ground truth row 1 is null", () -> Recall.atK(new int[][] {{1}, null}, results, 1));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
  }
}

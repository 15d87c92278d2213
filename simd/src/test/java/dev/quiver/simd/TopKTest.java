package dev.quiver.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** TopK against a full sort by (score descending, ordinal ascending). */
class TopKTest {

  @Test
  void offerInAnyOrderMatchesSort() {
    SplittableRandom rnd = new SplittableRandom(11);
    TopK top = new TopK(1);
    for (int round = 0; round < 300; round++) {
      int n = rnd.nextInt(200);
      int k = 1 + rnd.nextInt(40);
      float[] scores = scoresWithTies(rnd, n);
      int[] order = shuffled(rnd, n);
      top.reset(k); // reused across rounds, growing and shrinking k
      for (int ord : order) {
        top.offer(ord, scores[ord]);
      }
      assertDrainEquals(expectedTop(scores, k, ord -> true), top, "round " + round);
    }
  }

  @Test
  void offerBlockWithAndWithoutFilterMatchesSort() {
    SplittableRandom rnd = new SplittableRandom(12);
    TopK top = new TopK(10);
    for (int round = 0; round < 300; round++) {
      int n = rnd.nextInt(3000);
      int k = 1 + rnd.nextInt(30);
      float[] scores = scoresWithTies(rnd, n);
      int modulus = 1 + rnd.nextInt(3);
      IntPredicate accept = round % 2 == 0 ? null : ord -> ord % modulus == 0;
      top.reset(k);
      // Blocks in ascending ordinal order, as a scan produces them, from a scratch array
      // that starts at a varying index.
      float[] block = new float[300];
      for (int start = 0; start < n; ) {
        int len = Math.min(n - start, 1 + rnd.nextInt(257));
        int from = rnd.nextInt(block.length - len + 1);
        System.arraycopy(scores, start, block, from, len);
        top.offerBlock(block, from, from + len, start, accept);
        start += len;
      }
      assertDrainEquals(expectedTop(scores, k, accept == null ? ord -> true : accept), top,
          "round " + round);
    }
  }

  @Test
  void thresholdIsTheWorstKeptScoreOnceFull() {
    TopK top = new TopK(3);
    assertEquals(Float.NEGATIVE_INFINITY, top.threshold());
    top.offer(0, 5f);
    top.offer(1, 1f);
    assertEquals(Float.NEGATIVE_INFINITY, top.threshold());
    top.offer(2, 3f);
    assertEquals(1f, top.threshold());
    top.offer(3, 4f);
    assertEquals(3f, top.threshold());
  }

  @Test
  void rejectsNonPositiveK() {
    assertThrows(IllegalArgumentException.class, () -> new TopK(0));
    assertThrows(IllegalArgumentException.class, () -> new TopK(5).reset(-1));
  }

  /** Few distinct values, so that ties are frequent and the ordinal order decides. */
  private static float[] scoresWithTies(SplittableRandom rnd, int n) {
    float[] s = new float[n];
    int distinct = 1 + rnd.nextInt(20);
    for (int i = 0; i < n; i++) {
      s[i] = rnd.nextInt(distinct) - distinct / 2f;
    }
    return s;
  }

  private static int[] shuffled(SplittableRandom rnd, int n) {
    int[] a = IntStream.range(0, n).toArray();
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private static int[] expectedTop(float[] scores, int k, IntPredicate accept) {
    return IntStream.range(0, scores.length).filter(accept).boxed()
        .sorted(Comparator.<Integer>comparingDouble(o -> -scores[o]).thenComparingInt(o -> o))
        .limit(k).mapToInt(Integer::intValue).toArray();
  }

  private static void assertDrainEquals(int[] expected, TopK top, String what) {
    assertEquals(expected.length, top.size(), what + " size");
    int[] ords = new int[top.size()];
    float[] scores = new float[top.size()];
    assertEquals(expected.length, top.drainDescending(ords, scores), what + " drained");
    assertArrayEquals(expected, ords, what + " ordinals " + Arrays.toString(ords));
    assertEquals(0, top.size(), what + " empty after drain");
  }
}

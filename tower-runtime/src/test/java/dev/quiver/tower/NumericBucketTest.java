package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Numeric bucketing (a branch-free binary search) agrees with torch.bucketize's definition at
 * every count of boundaries, with right false (boundaries below the value) and true (at or below).
 */
class NumericBucketTest {
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 100})
  void bucketIsTheNumberOfBoundariesBelowOrAtOrBelow(int count) {
    for (boolean right : new boolean[] {false, true}) {
      check(count, right);
    }
  }

  private static void check(int count, boolean right) {
    Random rnd = new Random(count);
    double[] b = new double[count];
    for (int i = 0; i < count; i++) {
      b[i] = (i == 0 ? -50 : b[i - 1]) + 0.5 + rnd.nextInt(4);
    }
    Feature f = new Feature("x", FeatureType.NUMERIC, MemorySegment.ofArray(new float[(count + 1) * 2]),
        count + 1, 2, false, Pooling.SUM, -1, b, right, null, null, null);
    for (int t = 0; t < 2_000; t++) {
      double v = switch (t % 8) {
        case 0, 1 -> count > 0 ? b[rnd.nextInt(count)] : 0;
        case 2 -> t % 16 == 2 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        default -> -60 + rnd.nextDouble() * 500;
      };
      int want = 0;
      for (double x : b) {
        want += x < v || (right && x == v) ? 1 : 0;
      }
      assertEquals(want, f.numericBucket(v), "value " + v + ", right " + right);
    }
  }
}

package dev.quiver.tools.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The knob walk over a known monotone recall curve: recall(v) = min(1, v / threshold * target). */
class LadderTest {
  @ParameterizedTest
  @CsvSource({"8, 1, 1000, 37", "8, 1, 1000, 3", "64, 10, 4096, 10", "8, 1, 1000, 1", "8, 1, 1000, 900"})
  void findsTheSmallestValueWithinAnEighth(int start, int min, int max, int threshold) {
    List<Integer> asked = new ArrayList<>();
    int v = Ladder.smallestMeeting(start, min, max, 0.95, x -> {
      asked.add(x);
      return x >= threshold ? 0.95 : 0.5;
    });
    assertTrue(v >= threshold && v <= Math.max(threshold + 1, threshold * 9 / 8), "found " + v + " for " + threshold);
    assertTrue(asked.stream().allMatch(x -> x >= min && x <= max), asked::toString);
  }

  @ParameterizedTest
  @CsvSource({"8, 1, 100", "64, 10, 4096"})
  void givesTheMaximumWhenNothingReaches(int start, int min, int max) {
    assertEquals(max, Ladder.smallestMeeting(start, min, max, 0.99, x -> 0.5));
  }
}

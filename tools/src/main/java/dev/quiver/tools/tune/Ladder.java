package dev.quiver.tools.tune;

import java.util.function.IntToDoubleFunction;

/**
 * The smallest value of a search knob whose recall reaches the target, assuming recall grows with
 * the knob: from a start it doubles until the target is met (or halves while it still is), then
 * bisects between the last value that missed and the first that met, to within an eighth.
 */
final class Ladder {
  private Ladder() {}

  /**
   * The smallest value in [{@code min}, {@code max}] found to meet {@code target}, or {@code max}
   * when even that misses; {@code recallAt} measures one value (each call is one timed pass).
   */
  static int smallestMeeting(int start, int min, int max, double target, IntToDoubleFunction recallAt) {
    int value = Math.clamp(start, min, max);
    int missed;
    int met;
    if (recallAt.applyAsDouble(value) >= target) {
      met = value;
      missed = min - 1;
      while (met > min) {
        int lower = Math.max(min, met / 2);
        if (recallAt.applyAsDouble(lower) < target) {
          missed = lower;
          break;
        }
        met = lower;
      }
    } else {
      missed = value;
      met = -1;
      while (missed < max) {
        int higher = (int) Math.min(max, 2L * missed);
        if (recallAt.applyAsDouble(higher) >= target) {
          met = higher;
          break;
        }
        missed = higher;
      }
      if (met < 0) {
        return max;
      }
    }
    while (met - missed > Math.max(1, met / 8)) {
      int mid = missed + (met - missed) / 2;
      if (recallAt.applyAsDouble(mid) >= target) {
        met = mid;
      } else {
        missed = mid;
      }
    }
    return met;
  }
}

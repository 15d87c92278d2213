package dev.quiver.tools.tune;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Random;

/**
 * The queries split at random into a tuning half (the larger when odd) and a held-out half, the
 * same for a given seed; each half keeps file order. Immutable.
 */
record QuerySplit(int[] tuning, int[] heldOut) {
  static QuerySplit of(int count, long seed) {
    int[] order = new int[count];
    Arrays.setAll(order, i -> i);
    Random random = new Random(seed);
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int half = (count + 1) / 2;
    int[] tuning = Arrays.copyOf(order, half);
    int[] heldOut = Arrays.copyOfRange(order, half, count);
    Arrays.sort(tuning);
    Arrays.sort(heldOut);
    return new QuerySplit(tuning, heldOut);
  }

  /** The tuning half's rows of {@code rows} (queries or their ground truth). */
  <T> T[] tuning(T[] rows) {
    return pick(rows, tuning);
  }

  <T> T[] heldOut(T[] rows) {
    return pick(rows, heldOut);
  }

  @SuppressWarnings("unchecked")
  private static <T> T[] pick(T[] rows, int[] which) {
    T[] out = (T[]) Array.newInstance(rows.getClass().getComponentType(), which.length);
    for (int i = 0; i < which.length; i++) {
      out[i] = rows[which[i]];
    }
    return out;
  }
}

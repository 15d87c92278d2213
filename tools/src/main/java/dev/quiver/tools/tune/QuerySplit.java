package dev.quiver.tools.tune;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Random;

/**
 * The queries split at random, the same for a given seed, into a tuning part and a held-out part
 * of equal size and, when query-aware builds need a sample of their own, a learn part too (thirds
 * then): a graph linked for the very queries it is measured on would look better than it will
 * for other users. Each part keeps file order. Immutable.
 */
record QuerySplit(int[] learn, int[] tuning, int[] heldOut) {
  static QuerySplit of(int count, long seed, boolean withLearn) {
    int[] order = new int[count];
    Arrays.setAll(order, i -> i);
    Random random = new Random(seed);
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int learnCount = withLearn ? count / 3 : 0;
    int heldOutCount = (count - learnCount) / 2;
    int tuningEnd = count - heldOutCount;
    return new QuerySplit(sorted(order, 0, learnCount), sorted(order, learnCount, tuningEnd),
        sorted(order, tuningEnd, count));
  }

  private static int[] sorted(int[] order, int from, int to) {
    int[] part = Arrays.copyOfRange(order, from, to);
    Arrays.sort(part);
    return part;
  }

  /** The learn part's rows of {@code rows}. */
  <T> T[] learn(T[] rows) {
    return pick(rows, learn);
  }

  /** The tuning part's rows of {@code rows} (queries or their ground truth). */
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

package dev.quiver.engine;

import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * Decides, during a search, which item ordinals may be returned. It is consulted only for
 * candidates good enough to enter the top k, so a costly predicate costs little. Implementations
 * used from several threads must be thread-safe.
 */
@FunctionalInterface
public interface OrdinalFilter extends IntPredicate {

  /**
   * The first allowed ordinal in {@code [from, end)}, or {@code end} when there is none. A search
   * that scores the allowed items directly (a filter too selective for a graph walk) enumerates
   * them with it; filters that know their members (a bit set) skip the rejected ones without
   * testing each.
   */
  default int nextAllowed(int from, int end) {
    int i = from;
    while (i < end && !test(i)) {
      i++;
    }
    return i;
  }

  /**
   * How many ordinals of {@code [0, end)} this filter allows, or -1 when it cannot tell without
   * testing each. A search that knows a filter leaves few items scores them directly instead of
   * walking a graph first.
   */
  default int allowedCount(int end) {
    return -1;
  }

  /** Accepts the ordinals whose bit is set. The bit set must not change during a search. */
  static OrdinalFilter allowing(BitSet allowed) {
    return new OrdinalFilter() {
      @Override
      public boolean test(int ordinal) {
        return allowed.get(ordinal);
      }

      @Override
      public int nextAllowed(int from, int end) {
        int i = allowed.nextSetBit(from);
        return i < 0 ? end : Math.min(i, end);
      }

      @Override
      public int allowedCount(int end) {
        return allowed.length() <= end ? allowed.cardinality() : -1;
      }
    };
  }

  /** Rejects the ordinals whose bit is set (items already shown, blocked items). */
  static OrdinalFilter excluding(BitSet excluded) {
    return new OrdinalFilter() {
      @Override
      public boolean test(int ordinal) {
        return !excluded.get(ordinal);
      }

      @Override
      public int nextAllowed(int from, int end) {
        return Math.min(excluded.nextClearBit(from), end);
      }

      @Override
      public int allowedCount(int end) {
        return excluded.length() <= end ? end - excluded.cardinality() : -1;
      }
    };
  }
}

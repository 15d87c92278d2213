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

  /** Accepts the ordinals whose bit is set. The bit set must not change during a search. */
  static OrdinalFilter allowing(BitSet allowed) {
    return allowed::get;
  }

  /** Rejects the ordinals whose bit is set (items already shown, blocked items). */
  static OrdinalFilter excluding(BitSet excluded) {
    return ordinal -> !excluded.get(ordinal);
  }
}

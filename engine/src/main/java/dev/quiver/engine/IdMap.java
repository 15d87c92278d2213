package dev.quiver.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.agrona.collections.Long2LongHashMap;

/**
 * External {@code long} item ids and internal {@code int} ordinals. Ordinal to id is an off-heap
 * array read (or the identity when an index was built without ids); id to ordinal is an Agrona
 * primitive hash map (no boxing), built on first use since pure search never needs it.
 * Immutable once built; thread-safe.
 */
public final class IdMap {
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final long MISSING = -1;

  private final MemorySegment ids;
  private final int size;
  private volatile Long2LongHashMap byId;

  private IdMap(MemorySegment ids, int size) {
    this.ids = ids;
    this.size = size;
  }

  /** Ids equal to ordinals {@code 0..size-1}. */
  public static IdMap identity(int size) {
    return new IdMap(null, size);
  }

  /**
   * Ids stored as {@code size} little-endian longs in {@code ids} (owned by the caller's arena).
   * Duplicates are rejected with the offending id.
   */
  public static IdMap of(MemorySegment ids, int size) {
    IdMap map = new IdMap(ids, size);
    map.reverse();
    return map;
  }

  public int size() {
    return size;
  }

  /** True when ids are the ordinals themselves. */
  public boolean isIdentity() {
    return ids == null;
  }

  /** The external id of {@code ordinal}. */
  public long id(int ordinal) {
    return ids == null ? ordinal : ids.getAtIndex(LONG, ordinal);
  }

  /** The ordinal of external {@code id}, or -1 when no item has it. */
  public int ordinal(long id) {
    if (ids == null) {
      return id >= 0 && id < size ? (int) id : -1;
    }
    return (int) reverse().get(id);
  }

  private Long2LongHashMap reverse() {
    Long2LongHashMap map = byId;
    if (map == null) {
      synchronized (this) {
        map = byId;
        if (map == null) {
          map = new Long2LongHashMap(Math.max(8, size * 2), 0.65f, MISSING);
          for (int i = 0; i < size; i++) {
            long previous = map.put(ids.getAtIndex(LONG, i), i);
            if (previous != MISSING) {
              throw new IllegalArgumentException("duplicate item id " + ids.getAtIndex(LONG, i)
                  + " at ordinals " + previous + " and " + i);
            }
          }
          byId = map;
        }
      }
    }
    return map;
  }
}

package dev.quiver.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.agrona.collections.Long2LongHashMap;

/**
 * External {@code long} item ids and internal {@code int} ordinals. Ordinal to id is an off-heap
 * array read (or the identity when an index was built without ids); id to ordinal is an Agrona
 * primitive hash map (no boxing), built on first use since pure search never needs it, or, when
 * the ordinals sorted by id come with the ids (a snapshot's item table, sorted when it was
 * written), a binary search over them, which costs nothing to open.
 * Immutable once built; thread-safe.
 */
public final class IdMap {
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
  private static final long MISSING = -1;

  private final MemorySegment ids;
  private final MemorySegment ordinalsById;
  private final int size;
  private volatile Long2LongHashMap byId;

  private IdMap(MemorySegment ids, MemorySegment ordinalsById, int size) {
    this.ids = ids;
    this.ordinalsById = ordinalsById;
    this.size = size;
  }

  /** Ids equal to ordinals {@code 0..size-1}. */
  public static IdMap identity(int size) {
    return new IdMap(null, null, size);
  }

  /**
   * Ids stored as {@code size} little-endian longs in {@code ids} (owned by the caller's arena).
   * Duplicates are rejected with the offending id.
   */
  public static IdMap of(MemorySegment ids, int size) {
    IdMap map = new IdMap(ids, null, size);
    map.reverse();
    return map;
  }

  /**
   * Ids as in {@link #of}, with {@code ordinalsById}: {@code size} little-endian ints, the
   * ordinals in increasing order of their ids (distinct), as {@link #sortedOrdinals} computes
   * them. Nothing is checked or built: the caller vouches for the table (a checksummed file).
   */
  public static IdMap sorted(MemorySegment ids, MemorySegment ordinalsById, int size) {
    return new IdMap(ids, ordinalsById, size);
  }

  /**
   * The ordinals of {@code ids} in increasing order of id, for {@link #sorted}; rejects a
   * duplicate id, naming it.
   */
  public static int[] sortedOrdinals(long[] ids) {
    long[] order = ids.clone();
    java.util.Arrays.sort(order);
    for (int i = 1; i < order.length; i++) {
      if (order[i] == order[i - 1]) {
        throw new IllegalArgumentException("duplicate item id " + order[i]);
      }
    }
    int[] ordinals = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      ordinals[java.util.Arrays.binarySearch(order, ids[i])] = i;
    }
    return ordinals;
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
    if (ordinalsById != null) {
      return search(id);
    }
    return (int) reverse().get(id);
  }

  private int search(long id) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int ordinal = ordinalsById.getAtIndex(INT, mid);
      long at = ids.getAtIndex(LONG, ordinal);
      if (at < id) {
        lo = mid + 1;
      } else if (at > id) {
        hi = mid - 1;
      } else {
        return ordinal;
      }
    }
    return -1;
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

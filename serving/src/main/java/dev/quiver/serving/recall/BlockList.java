package dev.quiver.serving.recall;

import org.agrona.collections.LongHashSet;

/**
 * Item ids that no recall may return (taken down, out of stock, banned), whatever the user.
 * Immutable once built: a service replaces the whole list (an atomic reference) when it changes,
 * so that searches in flight keep a consistent view. Lookups are primitive and allocation-free.
 */
public final class BlockList {
  /** The list that blocks nothing. */
  public static final BlockList EMPTY = new BlockList(new LongHashSet(1));

  private final LongHashSet ids;

  private BlockList(LongHashSet ids) {
    this.ids = ids;
  }

  public static BlockList of(long... ids) {
    LongHashSet set = new LongHashSet(Math.max(8, ids.length * 2));
    for (long id : ids) {
      set.add(id);
    }
    return new BlockList(set);
  }

  public boolean blocks(long id) {
    return ids.contains(id);
  }

  public int size() {
    return ids.size();
  }
}

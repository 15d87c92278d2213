package dev.quiver.engine.recall;

import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.VectorIndex;
import java.util.function.LongPredicate;

/**
 * The filters of one recall, over item ids, as the {@link OrdinalFilter} an index checks during
 * its search: the user's exposure {@link BloomFilter}, the global {@link BlockList} and the
 * caller's predicate. Checked during the search rather than after it, so k items still come back
 * when enough remain. Rebound per request, one instance per thread; not thread-safe.
 */
public final class ItemFilter implements OrdinalFilter {
  private VectorIndex index;
  private BloomFilter exposure;
  private BlockList blocked = BlockList.EMPTY;
  private LongPredicate predicate;

  /**
   * Binds the filters of one request to the index being searched; returns this filter, or null
   * when nothing filters (so that the search skips the check altogether).
   */
  public OrdinalFilter bind(VectorIndex index, BloomFilter exposure, BlockList blocked,
                            LongPredicate predicate) {
    this.index = index;
    this.exposure = exposure;
    this.blocked = blocked == null ? BlockList.EMPTY : blocked;
    this.predicate = predicate;
    boolean none = exposure == null && this.blocked.size() == 0 && predicate == null;
    return none ? null : this;
  }

  /** Whether the item with this id may be returned. */
  public boolean allows(long id) {
    return (exposure == null || !exposure.mightContain(id))
        && !blocked.blocks(id)
        && (predicate == null || predicate.test(id));
  }

  @Override
  public boolean test(int ordinal) {
    return allows(index.id(ordinal));
  }
}

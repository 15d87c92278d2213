package dev.quiver.serving.recall;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.VectorIndex;
import java.util.function.LongPredicate;

/**
 * The filters of one recall, over item ids, as the {@link OrdinalFilter} an index checks during
 * its search: the user's exposure {@link BloomFilter}, the global {@link BlockList}, the caller's
 * predicate and, for item-to-item recall, the query item itself. Checked during the search rather
 * than after it, so k items still come back when enough remain. Rebound per request, one
 * instance per thread; not thread-safe.
 */
public final class ItemFilter implements OrdinalFilter {
  private IdMap ids;
  private VectorIndex index;
  private BloomFilter exposure;
  private BlockList blocked = BlockList.EMPTY;
  private LongPredicate predicate;
  private boolean excluding;
  private long excluded;

  /**
   * Binds the filters of a request to an index whose ordinals {@code ids} maps to item ids (a
   * snapshot's id table); returns this filter, or null when nothing filters, so that the search
   * skips the check altogether.
   */
  public OrdinalFilter bind(IdMap ids, RecallRequest request) {
    this.ids = ids;
    this.index = null;
    return bind(request.exposure(), request.blocked(), request.filter());
  }

  /** As {@link #bind(IdMap, RecallRequest)} for an index that holds the item ids itself. */
  public OrdinalFilter bind(VectorIndex index, BloomFilter exposure, BlockList blocked,
                            LongPredicate predicate) {
    this.ids = null;
    this.index = index;
    return bind(exposure, blocked, predicate);
  }

  private OrdinalFilter bind(BloomFilter exposure, BlockList blocked, LongPredicate predicate) {
    this.exposure = exposure;
    this.blocked = blocked == null ? BlockList.EMPTY : blocked;
    this.predicate = predicate;
    this.excluding = false;
    boolean none = exposure == null && this.blocked.size() == 0 && predicate == null;
    return none ? null : this;
  }

  /** Also rejects item {@code id} (the query item of an item-to-item recall); returns this. */
  public OrdinalFilter excluding(long id) {
    excluding = true;
    excluded = id;
    return this;
  }

  /** Whether the item with this id may be returned. */
  public boolean allows(long id) {
    return !(excluding && id == excluded)
        && (exposure == null || !exposure.mightContain(id))
        && !blocked.blocks(id)
        && (predicate == null || predicate.test(id));
  }

  @Override
  public boolean test(int ordinal) {
    return allows(ids != null ? ids.id(ordinal) : index.id(ordinal));
  }
}

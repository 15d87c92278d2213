package dev.quiver.serving.recall;

import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.tower.TowerModel;

/**
 * One request thread's buffers for searching a snapshot's main index and its fresh items as
 * one: the main index without its hidden items (taken down or replaced), the head's delta with
 * the same filters, and the two lists merged into one top-k. Allocates nothing once grown.
 */
final class FreshSearch {
  private final SearchResults delta = new SearchResults(16);
  private final Hiding single = new Hiding();
  private Hiding[] batch = new Hiding[0];
  private OrdinalFilter[] batchFilters = new OrdinalFilter[0];
  private long[] ids = new long[0];
  private float[] scores = new float[0];

  /**
   * Searches item head {@code head} of {@code state}'s snapshot, its index and its delta:
   * {@code filter} is what the request's {@code items} filter bound to the main index (null when
   * nothing filters).
   */
  void search(Lease<TowerModel> lease, FreshState state, int head, float[] query, int k, OrdinalFilter filter,
              ItemFilter items, Params params, SearchResults out) {
    lease.search(head, query, k, single.wrap(state.hiddenInMain, filter), params, out);
    addDelta(state, head, query, k, filter == null ? null : items, out);
  }

  /** The main-index filters of a batch with the hidden items excluded. */
  OrdinalFilter[] hide(FreshState state, OrdinalFilter[] filters, int count) {
    if (batch.length < count) {
      batch = new Hiding[count];
      batchFilters = new OrdinalFilter[count];
      for (int i = 0; i < count; i++) {
        batch[i] = new Hiding();
      }
    }
    for (int i = 0; i < count; i++) {
      batchFilters[i] = batch[i].wrap(state.hiddenInMain, filters[i]);
    }
    return batchFilters;
  }

  /** Merges item head {@code head}'s delta results for {@code query} into {@code out}, main results with item ids. */
  void addDelta(FreshState state, int head, float[] query, int k, ItemFilter items, SearchResults out) {
    DeltaSegment d = state.delta(head);
    d.search(query, k, items, delta);
    if (delta.count() > 0) {
      merge(out, k, state.snapshot.manifest().metric());
    }
  }

  /** Two best-first lists into {@code out}, best first, at most {@code k}. */
  private void merge(SearchResults out, int k, Metric metric) {
    int m = out.count();
    if (ids.length < m) {
      ids = new long[m];
      scores = new float[m];
    }
    for (int i = 0; i < m; i++) {
      ids[i] = out.id(i);
      scores[i] = out.score(i);
    }
    out.reset(k);
    int a = 0;
    int b = 0;
    boolean lowerIsBetter = metric == Metric.L2;
    while (out.count() < k && (a < m || b < delta.count())) {
      boolean takeMain = b >= delta.count()
          || (a < m && (lowerIsBetter ? scores[a] <= delta.score(b) : scores[a] >= delta.score(b)));
      if (takeMain) {
        out.add(ids[a], scores[a]);
        a++;
      } else {
        out.add(delta.id(b), delta.score(b));
        b++;
      }
    }
  }

  /** The main index's filter with its hidden ordinals rejected; the filter itself when none is hidden. */
  private static final class Hiding implements OrdinalFilter {
    private ConcurrentBits hidden;
    private OrdinalFilter inner;

    OrdinalFilter wrap(ConcurrentBits hiddenOrdinals, OrdinalFilter filter) {
      if (hiddenOrdinals.count() == 0) {
        return filter;
      }
      hidden = hiddenOrdinals;
      inner = filter;
      return this;
    }

    @Override
    public boolean test(int ordinal) {
      return !hidden.get(ordinal) && (inner == null || inner.test(ordinal));
    }
  }
}

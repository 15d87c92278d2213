package dev.quiver.serving.recall;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerModel;
import java.util.List;
import java.util.Objects;

/**
 * Live user features in, merged top-k items out: what a recall service embeds. One call leases
 * the snapshot being served, runs its user tower (every head), searches its item index once per
 * head with that head's k and parameters and the request's filters, and merges the heads' lists
 * ({@link MergeMode}). An item tower of several heads has one index per head: each is searched
 * with the user head paired to it, or the single user vector ({@link HeadPairing}); a request's
 * "heads" are then these pairs. User tower and index always come from the same snapshot, whose
 * version the results carry.
 *
 * <p>Thread-safe: any number of request threads. Each thread gets its own scratch (and lease
 * object) on its first request, after which a single recall allocates nothing. Never blocks on a
 * snapshot load: loads and swaps happen in the {@link SnapshotManager}, off the request path.
 * The service does not own the manager: close the manager when done.
 */
public final class RecallService {
  private final SnapshotManager<TowerModel> snapshots;
  private final TowerBackend backend;
  private final StageLatencies latencies;
  private final StageLatencies batchLatencies;
  private final ThreadLocal<RecallScratch> scratch = ThreadLocal.withInitial(RecallScratch::new);
  private final FreshItems fresh;

  /**
   * A service over the snapshots {@code snapshots} serves (started, so that a snapshot is being
   * served), computing user vectors on {@code backend}.
   */
  public RecallService(SnapshotManager<TowerModel> snapshots, TowerBackend backend) {
    this(snapshots, backend, null);
  }

  /**
   * As above, every recall also searching the {@code fresh} items added since the served
   * snapshot's build (null: none), which {@link #addItems} and {@link #removeItems} change.
   */
  public RecallService(SnapshotManager<TowerModel> snapshots, TowerBackend backend, FreshItems fresh) {
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.backend = Objects.requireNonNull(backend, "backend");
    this.fresh = fresh;
    List<String> heads;
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      heads = HeadPairing.names(lease.snapshot());
    }
    latencies = new StageLatencies(heads);
    batchLatencies = new StageLatencies(heads);
  }

  /**
   * An empty user feature row for the model being served. A row made for an older model still
   * works after a swap (its values are carried over by feature name), at the cost of a copy.
   */
  public FeatureRow newUserRow() {
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      return lease.model().user().newRow();
    }
  }

  /** A request shaped for the heads of the model being served (its user/item head pairs). */
  public RecallRequest newRequest() {
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      return new RecallRequest(HeadPairing.of(lease.snapshot()).lists());
    }
  }

  /** An empty item feature row for {@link #addItems}, of the item tower being served. */
  public FeatureRow newItemRow() {
    return fresh().newItemRow();
  }

  /**
   * Adds or replaces items {@code ids[0..count)} with their features: embedded by the served
   * snapshot's own item tower, durable, and found by every recall that starts after this returns
   * ({@link FreshItems#add}).
   */
  public void addItems(long[] ids, FeatureRow[] rows, int count) {
    fresh().add(ids, rows, count);
  }

  /** {@link #addItems} for one item. */
  public void addItem(long id, FeatureRow row) {
    fresh().add(new long[] {id}, new FeatureRow[] {row}, 1);
  }

  /** Takes items down, from the main index and the fresh items, at once and across swaps. */
  public void removeItems(long... ids) {
    fresh().remove(ids, ids.length);
  }

  private FreshItems fresh() {
    if (fresh == null) {
      throw new IllegalStateException("this recall service has no fresh items: create it with a FreshItems");
    }
    return fresh;
  }

  private FreshState freshState(Lease<TowerModel> lease) {
    return fresh == null ? null : fresh.state(lease.snapshot());
  }

  /**
   * Recalls items for one user into {@code out} (reset first) and returns it.
   *
   * @throws IllegalArgumentException a request shaped for another number of heads
   * @throws IllegalStateException no snapshot is being served
   */
  public RecallResults recall(FeatureRow user, RecallRequest request, RecallResults out) {
    long start = System.nanoTime();
    RecallScratch s = scratch.get();
    try (Lease<TowerModel> lease = s.lease = snapshots.acquire(s.lease)) {
      Tower tower = lease.model().user();
      HeadPairing pairs = s.pairing(lease.snapshot());
      checkHeads(pairs, request, lease);
      s.rows[0] = s.rowFor(user, tower);
      backend.embed(tower, s.rows, 1, s.vectors(tower.width()));
      long embedded = System.nanoTime();
      latencies.tower(embedded - start);
      searchHeads(lease, tower, pairs, request, s, latencies);
      long merging = System.nanoTime();
      out.reset(request.k(), lease.version());
      s.merger.merge(request.merge(), s.perHead(), pairs.lists(), request.weights(),
          request.quotas(), request.k(), out);
      long end = System.nanoTime();
      latencies.merge(end - merging);
      latencies.total(end - start);
      return out;
    }
  }

  /**
   * Items like item {@code itemId}: its vector in the served index as the query, the item
   * itself excluded, the request's filters applied, {@code request.k()} items into {@code out},
   * each with head {@link RecallResults#ITEM}.
   *
   * @throws IllegalArgumentException no item has this id in the served snapshot
   */
  public RecallResults similarItems(long itemId, RecallRequest request, RecallResults out) {
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      IdMap ids = lease.snapshot().ids();
      int ordinal = ids.ordinal(itemId);
      if (ordinal < 0) {
        throw new IllegalArgumentException("no item has id " + itemId + " in snapshot v" + lease.version());
      }
      VectorIndex index = lease.index();
      RecallScratch s = scratch.get();
      float[] query = s.query(0, index.dimension());
      index.vector(ordinal, query);
      s.filter.bind(ids, request);
      OrdinalFilter filter = s.filter.excluding(itemId);
      SearchResults found = s.perHead(0, request.k());
      FreshState state = freshState(lease);
      if (state == null) {
        lease.search(query, request.k(), filter, request.headParams(0), found);
      } else {
        s.fresh.search(lease, state, 0, query, request.k(), filter, s.filter, request.headParams(0), found);
      }
      out.reset(request.k(), lease.version());
      for (int i = 0; i < found.count(); i++) {
        out.add(found.id(i), found.score(i), RecallResults.ITEM);
      }
      return out;
    }
  }

  /**
   * Recalls for {@code count} users in one call: the user tower runs them as one batch, each
   * head's searches run on up to {@code threads} threads, every user with its own filters from
   * {@code requests[i]} (all requests must agree on k and each head's k and parameters, as one
   * batched search serves them). Results into {@code out[i]}. Stages are recorded once per batch
   * in {@link #batchLatencies()}.
   */
  public void recallBatch(FeatureRow[] users, RecallRequest[] requests, int count, RecallResults[] out,
                          int threads) {
    checkBatch(users, requests, count, out);
    long start = System.nanoTime();
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      Tower tower = lease.model().user();
      HeadPairing pairs = HeadPairing.of(lease.snapshot());
      for (int i = 0; i < count; i++) {
        checkHeads(pairs, requests[i], lease);
        checkSameSearch(requests[0], requests[i], i);
      }
      BatchScratch b = scratch.get().batch(count, pairs, tower);
      for (int i = 0; i < count; i++) {
        b.rows[i] = b.rowFor(i, users[i], tower);
        b.filters[i] = b.itemFilters[i].bind(lease.snapshot().ids(), requests[i]);
      }
      backend.embed(tower, b.rows, count, b.vectors);
      long embedded = System.nanoTime();
      batchLatencies.tower(embedded - start);
      for (int h = 0; h < pairs.lists(); h++) {
        searchBatchHead(lease, tower, pairs, requests[0], h, count, threads, b);
      }
      long merging = System.nanoTime();
      for (int i = 0; i < count; i++) {
        for (int h = 0; h < pairs.lists(); h++) {
          b.one[h] = b.results[h][i];
        }
        out[i].reset(requests[i].k(), lease.version());
        b.merger.merge(requests[i].merge(), b.one, pairs.lists(), requests[i].weights(),
            requests[i].quotas(), requests[i].k(), out[i]);
      }
      long end = System.nanoTime();
      batchLatencies.merge(end - merging);
      batchLatencies.total(end - start);
    }
  }

  /** Latency of each stage of single recalls since creation or the last reset. */
  public StageLatencies latencies() {
    return latencies;
  }

  /** Latency of each stage of batched recalls, one record per batch. */
  public StageLatencies batchLatencies() {
    return batchLatencies;
  }

  private void searchHeads(Lease<TowerModel> lease, Tower tower, HeadPairing pairs, RecallRequest request,
                           RecallScratch s, StageLatencies record) {
    OrdinalFilter filter = s.filter.bind(lease.snapshot().ids(), request);
    FreshState state = freshState(lease);
    for (int h = 0; h < pairs.lists(); h++) {
      long t = System.nanoTime();
      int dim = tower.headDim(pairs.userHead(h));
      float[] query = s.query(h, dim);
      System.arraycopy(s.vectors, tower.headOffset(pairs.userHead(h)), query, 0, dim);
      SearchResults out = s.perHead(h, request.headK(h));
      if (state == null) {
        lease.search(pairs.itemHead(h), query, request.headK(h), filter, request.headParams(h), out);
      } else {
        s.fresh.search(lease, state, pairs.itemHead(h), query, request.headK(h), filter, s.filter,
            request.headParams(h), out);
      }
      record.search(h, System.nanoTime() - t);
    }
  }

  private void searchBatchHead(Lease<TowerModel> lease, Tower tower, HeadPairing pairs, RecallRequest request,
                               int h, int count, int threads, BatchScratch b) {
    long t = System.nanoTime();
    int u = pairs.userHead(h), dim = tower.headDim(u);
    float[][] queries = b.queries[h];
    for (int i = 0; i < count; i++) {
      System.arraycopy(b.vectors, i * tower.width() + tower.headOffset(u), queries[i], 0, dim);
    }
    SearchResults[] results = b.results[h];
    FreshState state = freshState(lease);
    FreshSearch freshSearch = scratch.get().fresh;
    OrdinalFilter[] filters = state == null ? b.filters : freshSearch.hide(state, b.filters, count);
    lease.index(pairs.itemHead(h)).searchBatch(queries, request.headK(h), filters, request.headParams(h), results,
        threads);
    IdMap ids = lease.snapshot().ids();
    for (int i = 0; i < count; i++) {
      for (int r = 0; r < results[i].count(); r++) {
        results[i].replaceId(r, ids.id((int) results[i].id(r)));
      }
      if (state != null) {
        freshSearch.addDelta(state, pairs.itemHead(h), queries[i], request.headK(h), b.filters[i] == null ? null : b.itemFilters[i],
            results[i]);
      }
    }
    batchLatencies.search(h, System.nanoTime() - t);
  }

  private static void checkHeads(HeadPairing pairs, RecallRequest request, Lease<TowerModel> lease) {
    if (request.heads() != pairs.lists()) {
      throw new IllegalArgumentException("request for " + request.heads() + " heads; the served snapshot searches "
          + pairs.lists() + " " + HeadPairing.names(lease.snapshot()));
    }
  }

  private static void checkBatch(FeatureRow[] users, RecallRequest[] requests, int count, RecallResults[] out) {
    if (count <= 0 || count > users.length || count > requests.length || count > out.length) {
      throw new IllegalArgumentException("count " + count + " outside [1, min(" + users.length + " users, "
          + requests.length + " requests, " + out.length + " results)]");
    }
  }

  private static void checkSameSearch(RecallRequest first, RecallRequest other, int i) {
    for (int h = 0; h < first.heads(); h++) {
      if (first.headK(h) != other.headK(h) || !first.headParams(h).equals(other.headParams(h))) {
        throw new IllegalArgumentException("request " + i + " searches head " + h + " with k="
            + other.headK(h) + " " + other.headParams(h) + ", request 0 with k=" + first.headK(h) + " "
            + first.headParams(h) + ": one batch searches each head one way");
      }
    }
  }
}

package dev.quiver.serving.recall;

import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Items added and taken down between two builds, served beside every snapshot's main index.
 *
 * <p><b>Adds.</b> A batch is logged and forced ({@link FreshItemLog}), then embedded by the item
 * tower of each snapshot being served (never another model's) into that snapshot's delta
 * segments; when {@link #add} returns, every recall that starts after it finds the items.
 * Adding an id that exists, in the main index or the delta, replaces its vector.
 * <b>Takedowns</b> hide the item in the main index and the delta at once, and are kept (logged,
 * and applied to every later snapshot) until they are two builds old.
 *
 * <p><b>Swaps.</b> The manager hands each loaded snapshot to {@link #prepare} before serving it:
 * every item added at or after the snapshot's item cut-off ({@code itemCutoff} in its manifest)
 * is embedded again by the new item tower into a new delta, off the lock; batches that arrive
 * meanwhile are queued and applied at the end, under the lock, so that no add between a build's
 * start and its swap is lost or embedded by the wrong model. A delta is closed when its
 * snapshot's memory is freed. Records two builds old leave memory and the log.
 *
 * <p>Thread-safe, with group commit: concurrent adds and takedowns queue; one leader writes
 * every queued batch and forces the log once, then applies them in log order (so that per id the
 * last record wins) while the next leader already writes. Each batch is embedded by the served
 * item tower before it queues, outside every lock. Searches take no lock at all: the deltas and
 * hidden bits publish entries to lock-free readers.
 */
public final class FreshItems implements AutoCloseable {
  private final SnapshotManager<TowerModel> snapshots;
  private final TowerBackend backend;
  private final FreshConfig config;
  private final FreshItemLog log;
  private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "quiver-fresh-graph");
    t.setDaemon(true);
    return t;
  });
  /** Held by the leader writing a group of batches to the log; taken before {@link #lock}. */
  private final ReentrantLock commit = new ReentrantLock();
  /** Batches waiting for the next leader, in arrival order: their log order. */
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  /** Adds logged and not applied yet: the room they will take is not counted by the deltas yet. */
  private final AtomicInteger unapplied = new AtomicInteger();
  /** Guards what the batches change: the records kept, the states and their deltas. */
  private final Object lock = new Object();
  /** The latest add of each item still carried, in order of arrival. Guarded by lock. */
  private final Map<Long, FreshRecord> added = new LinkedHashMap<>();
  /** Takedowns still applied to new snapshots, by id. Guarded by lock. */
  private final Map<Long, FreshRecord> takedowns = new HashMap<>();
  /** States catching up on a snapshot being prepared, with the batches that arrived since. Guarded by lock. */
  private final Map<FreshState, List<List<FreshRecord>>> preparing = new IdentityHashMap<>();
  private final Map<Snapshot<TowerModel>, FreshState> states = new ConcurrentHashMap<>();
  /** Cut-off of the newest prepared snapshot; records before the one below it are dropped. Guarded by lock. */
  private long newestCutoff = Long.MIN_VALUE;
  private volatile FreshState latest;
  private volatile boolean closed;

  private FreshItems(SnapshotManager<TowerModel> snapshots, TowerBackend backend, FreshConfig config,
                     FreshItemLog log, List<FreshRecord> replayed) {
    this.snapshots = snapshots;
    this.backend = backend;
    this.config = config;
    this.log = log;
    for (FreshRecord r : replayed) {
      remember(r);
    }
  }

  /**
   * Fresh items for the snapshots {@code snapshots} serves (started): replays the log, carries
   * its items into the snapshot being served, and prepares every snapshot swapped in later.
   */
  public static FreshItems open(SnapshotManager<TowerModel> snapshots, TowerBackend backend, FreshConfig config)
      throws IOException {
    List<FreshRecord> replayed = new ArrayList<>();
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      FreshItemLog log = FreshItemLog.open(config.log(), lease.model().item(), replayed);
      FreshItems fresh = new FreshItems(snapshots, backend, config, log, replayed);
      // Hooked first, so that a version swapped in meanwhile is prepared too.
      snapshots.prepareWith(fresh::prepare);
      fresh.prepare(lease.snapshot());
      return fresh;
    }
  }

  /** An empty item feature row for the item tower being served. */
  public FeatureRow newItemRow() {
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      return lease.model().item().newRow();
    }
  }

  /**
   * Adds or replaces items {@code ids[0..count)} with the features {@code rows[0..count)}
   * (copied: the rows may be reused once this returns). Durable and visible to every recall that
   * starts after it returns.
   *
   * @throws DeltaFullException when a delta has no room for them; nothing was added
   * @throws UncheckedIOException when the log cannot be written; nothing was added
   */
  public void add(long[] ids, FeatureRow[] rows, int count) {
    checkBatch(ids.length, count, "ids");
    checkBatch(rows.length, count, "rows");
    long now = System.currentTimeMillis();
    List<FreshRecord> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      FeatureRow copy = rows[i].tower().newRow();
      batch.add(new FreshRecord(now, ids[i], rows[i].copyTo(copy)));
    }
    apply(batch);
  }

  /** Takes items {@code ids[0..count)} down: no recall that starts after this returns finds them. */
  public void remove(long[] ids, int count) {
    checkBatch(ids.length, count, "ids");
    long now = System.currentTimeMillis();
    List<FreshRecord> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      batch.add(new FreshRecord(now, ids[i], null));
    }
    apply(batch);
  }

  /**
   * Group commit: the batch joins the queue; whoever holds the commit lock next writes every
   * queued batch and forces the log once, then applies them in log order. The batch is embedded
   * by the served item tower before it queues, so that embedding overlaps other batches' forced
   * writes. Returns once the batch is durable and visible.
   */
  private void apply(List<FreshRecord> batch) {
    Pending mine = new Pending(batch);
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      Tower tower = lease.model().item();
      mine.embed(tower, embed(tower, batch));
      queue.add(mine);
      // The lease is held until the batch is applied: the pre-embedded tower stays mapped.
      commitQueued(mine);
      mine.await();
    }
  }

  /** Commits the queued batches unless another leader already took {@code mine}. */
  private void commitQueued(Pending mine) {
    commit.lock();
    List<Pending> group;
    try {
      if (mine.taken) {
        commit.unlock();
        return;
      }
      group = admit(drainQueue());
      writeLog(group);
    } catch (RuntimeException e) {
      commit.unlock();
      throw e;
    }
    synchronized (lock) {
      // Taken before the commit lock is released, so that groups are applied in log order
      // while the next group's write already runs.
      commit.unlock();
      applyGroup(group);
    }
  }

  private List<Pending> drainQueue() {
    List<Pending> group = new ArrayList<>();
    for (Pending p = queue.poll(); p != null; p = queue.poll()) {
      p.taken = true;
      group.add(p);
    }
    return group;
  }

  /** The batches that fit every delta; the others fail with {@link DeltaFullException} and nothing of them is logged. */
  private List<Pending> admit(List<Pending> group) {
    List<Pending> admitted = new ArrayList<>(group.size());
    int adds = unapplied.get();
    for (Pending p : group) {
      try {
        checkOpen();
        for (FreshState s : states.values()) {
          s.checkRoom(adds + p.adds);
        }
        admitted.add(p);
        adds += p.adds;
      } catch (RuntimeException e) {
        p.fail(e);
      }
    }
    return admitted;
  }

  private void writeLog(List<Pending> group) {
    if (group.isEmpty()) {
      return;
    }
    List<FreshRecord> records = new ArrayList<>();
    int adds = 0;
    for (Pending p : group) {
      records.addAll(p.records);
      adds += p.adds;
    }
    try {
      log.append(records);
      unapplied.addAndGet(adds);
    } catch (IOException e) {
      RuntimeException failure = new UncheckedIOException(
          "fresh items not added: cannot write " + log.path() + ": " + e.getMessage(), e);
      group.forEach(p -> p.fail(failure));
      throw failure;
    }
  }

  /** Applies a logged group, batch by batch in log order, to every state; under the lock. */
  private void applyGroup(List<Pending> group) {
    for (Pending p : group) {
      try {
        for (FreshRecord r : p.records) {
          remember(r);
        }
        for (FreshState s : states.values()) {
          if (!s.snapshot.isRetired()) {
            float[] vectors = p.vectorsFor(s.itemTower);
            applyTo(s, p.records, vectors != null ? vectors : embed(s.itemTower, p.records));
          }
        }
        for (List<List<FreshRecord>> preparingQueue : preparing.values()) {
          preparingQueue.add(p.records);
        }
        p.done.complete(null);
      } catch (RuntimeException e) {
        p.fail(e);
      } finally {
        unapplied.addAndGet(-p.adds);
      }
    }
  }

  private void remember(FreshRecord r) {
    if (r.isAdd()) {
      takedowns.remove(r.id());
      added.remove(r.id());
      added.put(r.id(), r);
    } else {
      added.remove(r.id());
      takedowns.put(r.id(), r);
    }
  }

  /** The vectors of the adds of {@code records} by {@code tower}, in order: pure, takes no lock. */
  private float[] embed(Tower tower, List<FreshRecord> records) {
    int width = tower.width();
    List<FeatureRow> adds = new ArrayList<>(records.size());
    for (FreshRecord r : records) {
      if (r.isAdd()) {
        adds.add(r.features().tower() == tower ? r.features() : r.features().copyTo(tower.newRow()));
      }
    }
    float[] vectors = new float[adds.size() * width];
    FeatureRow[] rows = new FeatureRow[Math.min(ItemEmbedder.BATCH, adds.size())];
    float[] part = new float[rows.length * width];
    for (int start = 0; start < adds.size(); start += rows.length) {
      int n = Math.min(rows.length, adds.size() - start);
      for (int i = 0; i < n; i++) {
        rows[i] = adds.get(start + i);
      }
      backend.embed(tower, rows, n, part);
      System.arraycopy(part, 0, vectors, start * width, n * width);
    }
    return vectors;
  }

  /** Applies {@code records} in order to {@code s}, the adds with {@code vectors} from {@link #embed}. */
  private static void applyTo(FreshState s, List<FreshRecord> records, float[] vectors) {
    int width = s.itemTower.width();
    int a = 0;
    for (FreshRecord r : records) {
      if (r.isAdd()) {
        s.put(r.id(), vectors, a++ * width);
      } else {
        s.remove(r.id());
      }
    }
  }

  /**
   * Makes the fresh items of {@code snapshot}, loaded and not yet served: what the manager calls
   * before every swap. Items added at or after its cut-off are embedded by its item tower;
   * takedowns still kept are applied.
   */
  void prepare(Snapshot<TowerModel> snapshot) {
    FreshState state = new FreshState(snapshot, config, background);
    List<FreshRecord> carried;
    // The commit lock too: compacting rewrites the log, and no group may be between its write and its apply.
    commit.lock();
    try {
      carried = carry(snapshot, state);
    } finally {
      commit.unlock();
    }
    try {
      applyTo(state, carried, embed(state.itemTower, carried));
      synchronized (lock) {
        for (List<FreshRecord> batch : preparing.remove(state)) {
          applyTo(state, batch, embed(state.itemTower, batch));
        }
        states.put(snapshot, state);
      }
    } catch (RuntimeException e) {
      synchronized (lock) {
        preparing.remove(state);
      }
      state.close();
      throw e;
    }
    snapshot.freed().whenComplete((v, error) -> drop(snapshot));
  }

  /** Under the lock: what {@code snapshot} carries over, with {@code state} queued for the batches that follow. */
  private List<FreshRecord> carry(Snapshot<TowerModel> snapshot, FreshState state) {
    synchronized (lock) {
      checkOpen();
      long cutoff = snapshot.manifest().itemCutoffInstant().toEpochMilli();
      forget(Math.min(cutoff, newestCutoff), snapshot);
      newestCutoff = Math.max(newestCutoff, cutoff);
      List<FreshRecord> carried = new ArrayList<>(takedowns.values());
      for (FreshRecord r : added.values()) {
        if (r.millis() >= cutoff) {
          carried.add(r);
        }
      }
      preparing.put(state, new ArrayList<>());
      return carried;
    }
  }

  /**
   * Drops adds from before {@code millis}, and takedowns from before it of items that
   * {@code next}'s build dropped; rewrites the log when that shrank it.
   */
  private void forget(long millis, Snapshot<TowerModel> next) {
    int before = added.size() + takedowns.size();
    added.values().removeIf(r -> r.millis() < millis);
    takedowns.values().removeIf(r -> r.millis() < millis && next.ids().ordinal(r.id()) < 0);
    if (added.size() + takedowns.size() < before) {
      List<FreshRecord> kept = new ArrayList<>(takedowns.values());
      kept.addAll(added.values());
      try {
        log.rewrite(kept);
      } catch (IOException e) {
        // The old log stays whole: replaying it keeps more than needed, never less.
        System.getLogger(FreshItems.class.getName()).log(System.Logger.Level.WARNING,
            "cannot compact " + log.path() + ": " + e.getMessage());
      }
    }
  }

  private void drop(Snapshot<TowerModel> snapshot) {
    synchronized (lock) {
      FreshState s = states.remove(snapshot);
      if (s != null) {
        s.close();
      }
    }
  }

  /** The fresh items of {@code snapshot}, or null when it has none (served without preparation). */
  FreshState state(Snapshot<TowerModel> snapshot) {
    FreshState s = latest;
    if (s != null && s.snapshot == snapshot) {
      return s;
    }
    s = states.get(snapshot);
    if (s != null) {
      latest = s;
    }
    return s;
  }

  /** Live fresh items in the delta of the snapshot being served (first item head). */
  public int size() {
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      FreshState s = state(lease.snapshot());
      return s == null ? 0 : s.deltas[0].liveCount();
    }
  }

  /** Whether the delta being served is searched through its graph rather than scanned. */
  public boolean isGraph() {
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      FreshState s = state(lease.snapshot());
      return s != null && s.deltas[0].isGraph();
    }
  }

  private static void checkBatch(int length, int count, String what) {
    if (count < 0 || count > length) {
      throw new IllegalArgumentException("count " + count + " outside [0, " + length + " " + what + "]");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("fresh items are closed");
    }
  }

  /** Stops preparing new snapshots and closes the log; the deltas go with their snapshots. */
  @Override
  public void close() throws IOException {
    commit.lock();
    try {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        snapshots.prepareWith(s -> { });
        background.shutdownNow();
        for (FreshState s : states.values()) {
          s.close();
        }
        states.clear();
        latest = null;
        log.close();
      }
    } finally {
      commit.unlock();
    }
  }

  /** One caller's batch on its way through a group commit. */
  private static final class Pending {
    final List<FreshRecord> records;
    final int adds;
    /** Completed once the batch is durable and visible, or failed with nothing of it applied. */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Set by the leader that takes it, under the commit lock. */
    boolean taken;
    private Tower embeddedBy;
    private float[] vectors;

    Pending(List<FreshRecord> records) {
      this.records = records;
      this.adds = (int) records.stream().filter(FreshRecord::isAdd).count();
    }

    void embed(Tower tower, float[] embedded) {
      embeddedBy = tower;
      vectors = embedded;
    }

    /** The adds' vectors by {@code tower}, or null when embedded by another. */
    float[] vectorsFor(Tower tower) {
      return tower == embeddedBy ? vectors : null;
    }

    void fail(RuntimeException e) {
      done.completeExceptionally(e);
    }

    void await() {
      try {
        done.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
  }
}

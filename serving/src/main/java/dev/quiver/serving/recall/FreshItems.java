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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

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
 * <p>Thread-safe: adds and takedowns are serialised by one lock (one forced write per batch);
 * searches never take it.
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

  private void apply(List<FreshRecord> batch) {
    synchronized (lock) {
      checkOpen();
      int adds = (int) batch.stream().filter(FreshRecord::isAdd).count();
      for (FreshState s : states.values()) {
        s.checkRoom(adds);
      }
      try {
        log.append(batch);
      } catch (IOException e) {
        throw new UncheckedIOException("fresh items not added: cannot write " + log.path() + ": " + e.getMessage(), e);
      }
      for (FreshRecord r : batch) {
        remember(r);
      }
      for (FreshState s : states.values()) {
        if (!s.snapshot.isRetired()) {
          applyTo(s, batch);
        }
      }
      for (List<List<FreshRecord>> queue : preparing.values()) {
        queue.add(batch);
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

  /** Embeds the adds of {@code records} with {@code s}'s item tower and applies them in order. */
  private void applyTo(FreshState s, List<FreshRecord> records) {
    Tower tower = s.itemTower;
    int width = tower.width();
    FeatureRow[] rows = new FeatureRow[Math.min(ItemEmbedder.BATCH, records.size())];
    float[] vectors = new float[rows.length * width];
    for (int start = 0; start < records.size(); start += rows.length) {
      int n = Math.min(rows.length, records.size() - start);
      int adds = 0;
      for (int i = 0; i < n; i++) {
        FreshRecord r = records.get(start + i);
        if (r.isAdd()) {
          rows[adds++] = r.features().tower() == tower ? r.features() : r.features().copyTo(tower.newRow());
        }
      }
      if (adds > 0) {
        backend.embed(tower, rows, adds, vectors);
      }
      int a = 0;
      for (int i = 0; i < n; i++) {
        FreshRecord r = records.get(start + i);
        if (r.isAdd()) {
          s.put(r.id(), vectors, a++ * width);
        } else {
          s.remove(r.id());
        }
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
    synchronized (lock) {
      checkOpen();
      long cutoff = snapshot.manifest().itemCutoffInstant().toEpochMilli();
      forget(Math.min(cutoff, newestCutoff), snapshot);
      newestCutoff = Math.max(newestCutoff, cutoff);
      carried = new ArrayList<>(takedowns.values());
      for (FreshRecord r : added.values()) {
        if (r.millis() >= cutoff) {
          carried.add(r);
        }
      }
      preparing.put(state, new ArrayList<>());
    }
    try {
      applyTo(state, carried);
      synchronized (lock) {
        for (List<FreshRecord> batch : preparing.remove(state)) {
          applyTo(state, batch);
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
  }
}

package dev.quiver.bench.fresh;

import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.FeatureRow;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * Adds fresh items at a fixed rate in batches, takes some down, and probes visibility: the
 * first item of every batch is a copy (new id, same features) of the best item of a probe user,
 * so that it belongs in that user's top k; right after the batch returns, that user is recalled
 * until the copy comes back, and the time from the return to the end of that recall is recorded.
 */
final class Adder implements AutoCloseable {
  private static final long PROBE_TIMEOUT = TimeUnit.SECONDS.toNanos(2);

  private final RecallService service;
  private final long seed;
  private final int catalog;
  private final double rate;
  private final int batch;
  private final int removeEvery;
  private final long[] probeUsers;
  private final int[] probeRows;
  private final RecallRequest request;
  private final Thread thread;
  private final Recorder visible = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
  /** Live fresh item id to the catalog row of its features. Guarded by this. */
  final Map<Long, Integer> fresh = new LinkedHashMap<>();
  /** Items taken down, main or fresh. Guarded by this. */
  final Set<Long> removed = new HashSet<>();
  final AtomicReference<Throwable> failure = new AtomicReference<>();
  private long added;
  private long unseen;
  private int nextRow;
  private volatile boolean stop;
  private volatile boolean paused;
  private final Object batchLock = new Object();

  Adder(RecallService service, long seed, int catalog, double rate, int batch, int removeEvery, long[] probeUsers,
        int[] probeRows, int k) {
    this.service = service;
    this.seed = seed;
    this.catalog = catalog;
    this.rate = rate;
    this.batch = batch;
    this.removeEvery = removeEvery;
    this.probeUsers = probeUsers;
    this.probeRows = probeRows;
    this.request = service.newRequest().k(k);
    this.nextRow = catalog;
    thread = new Thread(this::run, "fresh-bench-adder");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    long period = (long) (1e9 * batch / rate);
    long due = System.nanoTime();
    FeatureRow[] rows = new FeatureRow[batch];
    long[] ids = new long[batch];
    RecallResults out = new RecallResults(request.k());
    FeatureRow user = service.newUserRow();
    SplittableRandom rnd = new SplittableRandom(seed);
    try {
      for (long b = 0; !stop; b++) {
        long wait = due - System.nanoTime();
        if (paused || wait > 0) {
          LockSupport.parkNanos(paused ? 1_000_000 : wait);
          due = paused ? System.nanoTime() : due;
          b--;
          continue;
        }
        synchronized (batchLock) {
          int probe = (int) (b % probeUsers.length);
          fill(rows, ids, probeRows[probe]);
          service.addItems(ids, rows, batch);
          long returned = System.nanoTime();
          probe(user, probeUsers[probe], ids[0], returned, out);
          if (removeEvery > 0 && b % removeEvery == removeEvery - 1) {
            removeTwo(rnd);
          }
        }
        due += period;
      }
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  private void fill(FeatureRow[] rows, long[] ids, int probeRow) {
    synchronized (this) {
      for (int i = 0; i < batch; i++) {
        if (rows[i] == null) {
          // Rows of the first model stay valid after a swap: carried over by feature name.
          rows[i] = service.newItemRow();
        }
        int row = nextRow++;
        int features = i == 0 ? probeRow : row;
        SyntheticTwoTower.item(seed, features, rows[i]);
        ids[i] = SyntheticTwoTower.FIRST_ITEM_ID + row;
        fresh.put(ids[i], features);
      }
      added += batch;
    }
  }

  private void probe(FeatureRow user, long u, long id, long returned, RecallResults out) {
    SyntheticTwoTower.user(seed, u, user);
    while (System.nanoTime() - returned < PROBE_TIMEOUT) {
      service.recall(user, request, out);
      for (int i = 0; i < out.count(); i++) {
        if (out.id(i) == id) {
          visible.recordValue(System.nanoTime() - returned);
          return;
        }
      }
    }
    synchronized (this) {
      unseen++;
    }
  }

  /** Takes down one fresh item and one item of the main index. */
  private void removeTwo(SplittableRandom rnd) {
    long freshId;
    long mainId = SyntheticTwoTower.FIRST_ITEM_ID + rnd.nextInt(catalog);
    synchronized (this) {
      freshId = fresh.isEmpty() ? mainId : pick(rnd);
      fresh.remove(freshId);
      removed.add(freshId);
      removed.add(mainId);
    }
    service.removeItems(freshId, mainId);
  }

  private long pick(SplittableRandom rnd) {
    int skip = rnd.nextInt(Math.min(fresh.size(), 1000));
    for (long id : fresh.keySet()) {
      if (skip-- == 0) {
        return id;
      }
    }
    return fresh.keySet().iterator().next();
  }

  /** Stops adding once the batch in flight is done; returns after it. */
  void pause() {
    paused = true;
    synchronized (batchLock) {
      // Nothing: holding the lock means no batch is in flight, and the flag stops the next.
    }
  }

  void resume() {
    paused = false;
  }

  /** Visibility latencies since the last call, with the adds made and the probes never seen. */
  synchronized Window window() {
    Window w = new Window(visible.getIntervalHistogram(), added, unseen);
    added = 0;
    unseen = 0;
    return w;
  }

  record Window(org.HdrHistogram.Histogram visible, long added, long unseen) {}

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join();
  }
}

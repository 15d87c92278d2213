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
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.HdrHistogram.Recorder;

/**
 * Adds fresh items at a fixed rate in batches, from several threads as a service's callers
 * would (each at its share of the rate), and takes some down; beside it, a probe thread
 * measures visibility every {@value #PROBE_EVERY_MS} ms: it recalls a probe user, adds a copy
 * (new id, same features) of that user's best item, so that the copy belongs in the user's top
 * k, then recalls the user until the copy comes back, recording the time from the add's return
 * to the end of that recall. Probes run on their own thread so that they never slow the adds.
 */
final class Adder implements AutoCloseable {
  private static final int PROBE_EVERY_MS = 100;
  private static final long PROBE_TIMEOUT = TimeUnit.SECONDS.toNanos(1);

  private final RecallService service;
  private final long seed;
  private final int catalog;
  private final double rate;
  private final int batch;
  private final int removeEvery;
  private final long[] probeUsers;
  private final RecallRequest request;
  private final Thread[] threads;
  private final Thread prober;
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
  /** Held shared by each batch in flight, exclusively by {@link #pause}. */
  private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();
  private final Object probeLock = new Object();

  Adder(RecallService service, long seed, int catalog, double rate, int batch, int adders, int removeEvery,
        long[] probeUsers, int k) {
    this.service = service;
    this.seed = seed;
    this.catalog = catalog;
    this.rate = rate;
    this.batch = batch;
    this.removeEvery = removeEvery;
    this.probeUsers = probeUsers;
    this.request = service.newRequest().k(k);
    this.nextRow = catalog;
    threads = new Thread[adders];
    for (int t = 0; t < adders; t++) {
      int adder = t;
      threads[t] = new Thread(() -> run(adder), "fresh-bench-adder-" + t);
      threads[t].setDaemon(true);
    }
    prober = new Thread(this::probeLoop, "fresh-bench-probe");
    prober.setDaemon(true);
  }

  void start() {
    for (Thread t : threads) {
      t.start();
    }
    prober.start();
  }

  private void probeLoop() {
    FeatureRow user = service.newUserRow();
    FeatureRow item = service.newItemRow();
    RecallResults out = new RecallResults(request.k());
    try {
      for (int i = 0; !stop; i++) {
        Thread.sleep(PROBE_EVERY_MS);
        synchronized (probeLock) {
          if (paused) {
            continue;
          }
          SyntheticTwoTower.user(seed, probeUsers[i % probeUsers.length], user);
          int best = bestRow(service.recall(user, request, out));
          long id = take(item, best);
          service.addItems(new long[] {id}, new FeatureRow[] {item}, 1);
          probe(user, id, System.nanoTime(), out);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  /** A new fresh id for an item with the features of catalog row {@code features}, filled into {@code row}. */
  private synchronized long take(FeatureRow row, int features) {
    long id = SyntheticTwoTower.FIRST_ITEM_ID + nextRow++;
    SyntheticTwoTower.item(seed, features, row);
    fresh.put(id, features);
    added++;
    return id;
  }

  private void run(int adder) {
    long period = (long) (1e9 * batch * threads.length / rate);
    long due = System.nanoTime() + period * adder / threads.length;
    FeatureRow[] rows = new FeatureRow[batch];
    long[] ids = new long[batch];
    SplittableRandom rnd = new SplittableRandom(seed + adder);
    try {
      for (long b = 0; !stop; b++) {
        long wait = due - System.nanoTime();
        if (paused || wait > 0) {
          LockSupport.parkNanos(paused ? 1_000_000 : wait);
          due = paused ? System.nanoTime() : due;
          b--;
          continue;
        }
        inFlight.readLock().lock();
        try {
          if (paused) {
            continue;
          }
          fill(rows, ids);
          service.addItems(ids, rows, batch);
          if (removeEvery > 0 && b % removeEvery == removeEvery - 1) {
            removeTwo(rnd);
          }
        } finally {
          inFlight.readLock().unlock();
        }
        due += period;
      }
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  private void fill(FeatureRow[] rows, long[] ids) {
    synchronized (this) {
      for (int i = 0; i < batch; i++) {
        if (rows[i] == null) {
          // Rows of the first model stay valid after a swap: carried over by feature name.
          rows[i] = service.newItemRow();
        }
        int row = nextRow++;
        SyntheticTwoTower.item(seed, row, rows[i]);
        ids[i] = SyntheticTwoTower.FIRST_ITEM_ID + row;
        fresh.put(ids[i], row);
      }
      added += batch;
    }
  }

  /** The catalog row of the features of the best item of {@code out}. */
  private int bestRow(RecallResults out) {
    long best = out.id(0);
    synchronized (this) {
      Integer row = fresh.get(best);
      return row != null ? row : (int) (best - SyntheticTwoTower.FIRST_ITEM_ID);
    }
  }

  private void probe(FeatureRow user, long id, long returned, RecallResults out) {
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
    // Holding the lock means no batch is in flight, and the flag stops the next.
    inFlight.writeLock().lock();
    inFlight.writeLock().unlock();
    synchronized (probeLock) {
      // Nor a probe.
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
    for (Thread t : threads) {
      t.join();
    }
    prober.join();
  }
}

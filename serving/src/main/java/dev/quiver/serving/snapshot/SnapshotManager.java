package dev.quiver.serving.snapshot;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Serves the snapshot that a root's {@code CURRENT} names and swaps in new versions as they are
 * published, without a failed or a slow request.
 *
 * <p>Readers call {@link #acquire()}, lock-free: the current snapshot is read from an
 * {@link AtomicReference} and a reference taken on it; if it was retired between the two, the
 * reference already holds its successor and the reader takes that one. A swap loads and warms the
 * new version on the caller's thread (the watcher's), replaces the reference, and retires the old
 * one, whose memory the reaper frees after its last lease. Before it maps a new version the
 * manager waits (up to the drain timeout) for a snapshot retired earlier to be freed, so that at
 * most two are mapped at a time.
 *
 * <p>A failed load (missing or corrupt file, checksum or fingerprint mismatch, wrong dimension,
 * out of memory) leaves the current snapshot serving, is reported to the listener and kept in
 * {@link #lastFailure()}, and is not retried for the same version: the next version published is
 * loaded as usual. A drain timeout is not a fault of the version, which is retried on the next
 * refresh. A background checksum mismatch ({@link Verification#SIZES_THEN_BACKGROUND}) of the
 * snapshot being served rolls back to the previous version.
 *
 * <p>Thread-safe. Swaps, refreshes and rollbacks are serialised; leases never wait for them.
 */
public final class SnapshotManager<M extends AutoCloseable> implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SnapshotManager.class.getName());

  /** A version that failed to load, and why. */
  public record Failure(long version, Throwable cause) {}

  private final Path root;
  private final SnapshotLoader<M> loader;
  private final SnapshotListener listener;
  private final Duration drainTimeout;
  private final AtomicReference<Snapshot<M>> current = new AtomicReference<>();
  private final Object swapLock = new Object();
  /** Retired snapshots whose memory is not freed yet. Guarded by swapLock. */
  private final List<Snapshot<M>> draining = new ArrayList<>();
  /** The version that failed last; not loaded again while CURRENT names it. Guarded by swapLock. */
  private long failedVersion = -1;
  private volatile Failure lastFailure;
  private volatile Consumer<Snapshot<M>> prepare = s -> { };
  private volatile ScheduledExecutorService watcher;
  private volatile boolean closed;

  /**
   * @param drainTimeout how long a swap waits for an earlier retired snapshot's leases to be
   *     released before giving up until the next refresh
   */
  public SnapshotManager(Path root, SnapshotLoader<M> loader, SnapshotListener listener, Duration drainTimeout) {
    this.root = root;
    this.loader = loader;
    this.listener = listener;
    this.drainTimeout = drainTimeout;
  }

  /** Loads the version {@code CURRENT} names and serves it; throws when it cannot be loaded. */
  public void start() throws IOException {
    synchronized (swapLock) {
      checkOpen();
      long version = SnapshotLayout.current(root);
      long t0 = System.nanoTime();
      Snapshot<M> snapshot;
      try {
        snapshot = loader.load(root.resolve(SnapshotLayout.dirName(version)));
      } catch (IOException | RuntimeException e) {
        fail(version, e);
        throw e;
      }
      install(snapshot, System.nanoTime() - t0);
    }
  }

  /**
   * A lease on the snapshot being served; close it (try-with-resources) when the request is done.
   *
   * @throws IllegalStateException when nothing is served (not started, or closed)
   */
  public Lease<M> acquire() {
    return new Lease<>(take());
  }

  /**
   * As {@link #acquire()}, reusing {@code lease}, which must be released (closed): a request
   * thread that keeps one lease object takes its leases without allocating. Null takes a new one.
   *
   * @throws IllegalStateException when nothing is served, or {@code lease} is still held
   */
  public Lease<M> acquire(Lease<M> lease) {
    if (lease == null) {
      return acquire();
    }
    lease.checkReleased();
    lease.hold(take());
    return lease;
  }

  /** One reference on the snapshot being served. */
  private Snapshot<M> take() {
    for (;;) {
      Snapshot<M> s = current.get();
      if (s == null) {
        throw new IllegalStateException(closed ? "snapshot manager is closed" : "no snapshot is being served");
      }
      if (s.tryAcquire()) {
        return s;
      }
    }
  }

  /** The version being served, or -1. */
  public long version() {
    Snapshot<M> s = current.get();
    return s == null ? -1 : s.version();
  }

  /** The last load or verification failure, or null. */
  public Failure lastFailure() {
    return lastFailure;
  }

  /**
   * Loads and serves the version {@code CURRENT} names if it is new and has not failed before:
   * what the watcher runs, and what a publisher in the same process may call right after
   * publishing. Failures are reported, not thrown. Returns true when a new version is serving.
   */
  public boolean refresh() {
    synchronized (swapLock) {
      if (closed) {
        return false;
      }
      long target;
      try {
        target = SnapshotLayout.current(root);
      } catch (NoSuchFileException e) {
        return false;
      } catch (IOException | RuntimeException e) {
        fail(-1, e);
        return false;
      }
      if (target == version() || target == failedVersion) {
        return false;
      }
      try {
        swapTo(target);
        return true;
      } catch (DrainTimeout e) {
        report(target, e);
        return false;
      } catch (IOException | RuntimeException | OutOfMemoryError e) {
        fail(target, e);
        return false;
      }
    }
  }

  /** Polls the root every {@code interval} on a daemon thread, loading new versions as they appear. */
  public void watch(Duration interval) {
    synchronized (swapLock) {
      checkOpen();
      if (watcher != null) {
        throw new IllegalStateException("already watching " + root);
      }
      ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "quiver-snapshot-watcher");
        t.setDaemon(true);
        return t;
      });
      w.scheduleWithFixedDelay(this::refresh, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
      watcher = w;
    }
  }

  /**
   * Serves the newest version below the current one and points {@code CURRENT} at it, so that
   * the watcher and a restart agree. Returns that version. On failure the current snapshot keeps
   * serving and the IOException says why.
   */
  public long rollback() throws IOException {
    synchronized (swapLock) {
      checkOpen();
      long from = version();
      if (from < 0) {
        throw new IllegalStateException("no snapshot is being served, nothing to roll back from");
      }
      long to = SnapshotLayout.previous(root, from);
      if (to < 0) {
        throw new IOException(root + ": no version below " + from + " to roll back to");
      }
      try {
        swapTo(to);
      } catch (IOException | RuntimeException e) {
        report(to, e);
        throw e;
      }
      // The version rolled back from is not loaded again, even if the pointer cannot be moved.
      failedVersion = from;
      SnapshotWriter.point(root, to);
      return to;
    }
  }

  /**
   * Serves {@code snapshot}, already loaded, once the {@link #prepareWith prepare step} ran on it,
   * and retires the one it replaces. The manager owns it from here on; a step that throws retires it.
   */
  public void install(Snapshot<M> snapshot) {
    synchronized (swapLock) {
      checkOpen();
      try {
        prepare.accept(snapshot);
      } catch (RuntimeException e) {
        snapshot.retire();
        throw e;
      }
      install(snapshot, 0);
    }
  }

  /**
   * Runs {@code step} on every snapshot loaded from now on, after its load and before it serves
   * (on the swapping thread): what attaches state that must exist before the first request, such
   * as fresh items. A step that throws fails the version like a failed load.
   */
  public void prepareWith(Consumer<Snapshot<M>> step) {
    prepare = step;
  }

  private void swapTo(long version) throws IOException {
    awaitDrained();
    long t0 = System.nanoTime();
    Snapshot<M> snapshot = loader.load(root.resolve(SnapshotLayout.dirName(version)));
    try {
      prepare.accept(snapshot);
    } catch (RuntimeException e) {
      snapshot.retire();
      throw e;
    }
    install(snapshot, System.nanoTime() - t0);
  }

  private void install(Snapshot<M> snapshot, long loadNanos) {
    Snapshot<M> old = current.getAndSet(snapshot);
    listener.swapped(old == null ? -1 : old.version(), snapshot.version(), loadNanos);
    snapshot.verification().whenComplete((ok, error) -> {
      if (error != null) {
        onCorrupt(snapshot, error);
      }
    });
    if (old != null) {
      retire(old);
    }
  }

  private void retire(Snapshot<M> old) {
    draining.removeIf(s -> s.freed().isDone());
    draining.add(old);
    old.freed().whenComplete((version, error) -> {
      if (error != null) {
        report(old.version(), error);
      } else {
        listener.freed(version);
      }
    });
    old.retire();
  }

  /** Waits until every retired snapshot is freed, so that the next load makes at most two mapped. */
  private void awaitDrained() throws DrainTimeout {
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    for (Snapshot<M> s : draining) {
      try {
        s.freed().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw new DrainTimeout("snapshot " + s.version() + " still has leases after " + drainTimeout
            + "; the next version loads once they are released (at most two snapshots are mapped)");
      } catch (ExecutionException e) {
        // Freeing failed: reported when it happened; the snapshot is no longer mapped by us.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DrainTimeout("interrupted while waiting for snapshot " + s.version() + " to be freed");
      }
    }
    draining.clear();
  }

  private void onCorrupt(Snapshot<M> snapshot, Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    synchronized (swapLock) {
      fail(snapshot.version(), cause);
      if (current.get() == snapshot && !closed) {
        try {
          rollback();
        } catch (IOException | RuntimeException e) {
          report(snapshot.version(), e);
        }
      }
    }
  }

  private void fail(long version, Throwable cause) {
    if (version > 0) {
      failedVersion = version;
    }
    report(version, cause);
  }

  private void report(long version, Throwable cause) {
    lastFailure = new Failure(version, cause);
    LOG.log(System.Logger.Level.WARNING, "snapshot " + version + " not served: " + cause.getMessage()
        + (version() > 0 ? "; still serving " + version() : ""));
    listener.failed(version, cause);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("snapshot manager is closed");
    }
  }

  /**
   * Stops the watcher and retires the snapshot being served; its memory is freed when the
   * leases still held are released. Later acquisitions throw IllegalStateException.
   */
  @Override
  public void close() {
    ScheduledExecutorService w;
    synchronized (swapLock) {
      if (closed) {
        return;
      }
      closed = true;
      w = watcher;
      Snapshot<M> last = current.getAndSet(null);
      if (last != null) {
        retire(last);
      }
    }
    if (w != null) {
      w.shutdownNow();
    }
  }

  /** A swap waited too long for an earlier snapshot to be freed; retried on the next refresh. */
  private static final class DrainTimeout extends IOException {
    DrainTimeout(String message) {
      super(message);
    }
  }
}

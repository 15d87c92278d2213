package dev.quiver.engine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The engine's shared worker pool for batched searches and builds: one daemon thread per core,
 * created on first use. The common ForkJoinPool is not used because it keeps one core for the
 * caller, which halves a two-core machine; and waiting is done on a latch rather than by joining,
 * so a waiting thread never runs another part with its own per-thread scratch in use.
 */
public final class SearchThreads {
  private SearchThreads() {}

  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final ThreadGroup GROUP = new ThreadGroup("quiver-search");

  private static final class Pool {
    static final AtomicInteger COUNT = new AtomicInteger();
    static final ExecutorService POOL = Executors.newFixedThreadPool(CORES, r -> {
      Thread t = new Thread(GROUP, r, "quiver-search-" + COUNT.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * How many parts a task may be split into: {@code requested} capped by the core count, and 1
   * when called from one of this pool's own threads (nesting would wait on itself).
   */
  public static int parallelism(int requested) {
    if (Thread.currentThread().getThreadGroup() == GROUP) {
      return 1;
    }
    return Math.max(1, Math.min(requested, CORES));
  }

  /**
   * Runs {@code task(0..parts-1)}, part 0 on the calling thread and the others on the pool, each
   * part on its own thread, and returns when all are done. The first failure is rethrown.
   * {@code parts} must come from {@link #parallelism}.
   */
  public static void run(int parts, IntConsumer task) {
    if (parts <= 1) {
      task.accept(0);
      return;
    }
    CountDownLatch done = new CountDownLatch(parts - 1);
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    for (int p = 1; p < parts; p++) {
      int part = p;
      Pool.POOL.execute(() -> {
        try {
          task.accept(part);
        } catch (RuntimeException | Error e) {
          failure.compareAndSet(null, e instanceof RuntimeException re ? re : new IllegalStateException(e));
        } finally {
          done.countDown();
        }
      });
    }
    try {
      task.accept(0);
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
    awaitUninterruptibly(done);
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.quiver.bench.fresh;

import dev.quiver.engine.Params;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.FeatureRow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Steady recall traffic: threads that recall for generated users back to back, recording each
 * recall's latency and counting failures (an exception, or fewer than k items).
 */
final class Traffic implements AutoCloseable {
  private final RecallService service;
  private final int k;
  private final Params search;
  private final long seed;
  private final Thread[] threads;
  private final Recorder latency = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
  private volatile boolean stop;

  Traffic(RecallService service, int k, Params search, long seed, int threadCount) {
    this.service = service;
    this.k = k;
    this.search = search;
    this.seed = seed;
    threads = new Thread[threadCount];
    for (int t = 0; t < threadCount; t++) {
      long first = (long) t << 40;
      threads[t] = new Thread(() -> run(first), "fresh-bench-traffic-" + t);
      threads[t].setDaemon(true);
    }
  }

  void start() {
    for (Thread t : threads) {
      t.start();
    }
  }

  private void run(long firstUser) {
    FeatureRow user = service.newUserRow();
    RecallRequest request = service.newRequest().k(k).searchParams(search);
    RecallResults out = new RecallResults(k);
    for (long u = firstUser; !stop; u++) {
      SyntheticTwoTower.user(seed, u % 1_000_000 + firstUser, user);
      long t0 = System.nanoTime();
      try {
        service.recall(user, request, out);
        if (out.count() < k) {
          failures.incrementAndGet();
        }
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, e);
      }
      latency.recordValue(Math.min(System.nanoTime() - t0, TimeUnit.SECONDS.toNanos(60)));
      requests.incrementAndGet();
    }
  }

  /** The latencies since the last call, and resets them with the counters. */
  Window window() {
    Histogram h = latency.getIntervalHistogram();
    return new Window(h, requests.getAndSet(0), failures.getAndSet(0));
  }

  /** One measured window of traffic. */
  record Window(Histogram latency, long requests, long failures) {}

  @Override
  public void close() throws InterruptedException {
    stop = true;
    for (Thread t : threads) {
      t.join();
    }
  }
}

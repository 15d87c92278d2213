package dev.quiver.cli;

import dev.quiver.tools.DemoHour;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.engine.Params;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.tower.FeatureRow;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Simulated users: one thread per core, each recalling for random users back to back, as the
 * request threads of a service would. Counts requests and failures; a failure keeps its cause.
 */
final class DemoTraffic implements AutoCloseable {
  private final RecallService service;
  private final int k;
  private final Params search;
  private final long seed;
  private final Thread[] threads;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

  DemoTraffic(RecallService service, int threads, int k, Params search, long seed) {
    this.service = service;
    this.k = k;
    this.search = search;
    this.seed = seed;
    this.threads = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      this.threads[t] = Thread.ofPlatform().name("demo-user-" + t).daemon().unstarted(() -> loop(id));
    }
  }

  void start() {
    for (Thread t : threads) {
      t.start();
    }
  }

  private void loop(int thread) {
    SplittableRandom rnd = new SplittableRandom(seed * 31 + thread);
    FeatureRow user = service.newUserRow();
    RecallRequest request = request();
    RecallResults out = new RecallResults(k);
    long version = -1;
    while (running.get()) {
      try {
        SyntheticTwoTower.user(seed, rnd.nextLong(1_000_000_000L), user);
        service.recall(user, request, out);
        if (out.version() != version) {
          // A new model may name its features differently: make rows for it from now on.
          version = out.version();
          user = service.newUserRow();
        }
        requests.incrementAndGet();
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, e);
      }
    }
  }

  private RecallRequest request() {
    return service.newRequest().k(k).searchParams(search);
  }

  long requests() {
    return requests.get();
  }

  long failures() {
    return failures.get();
  }

  Throwable firstFailure() {
    return firstFailure.get();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join();
    }
  }
}

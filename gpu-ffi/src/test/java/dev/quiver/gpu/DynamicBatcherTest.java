package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** The batcher on the CPU alone: requests are longs, results one-element long arrays. */
class DynamicBatcherTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);

  private static long f(long x) {
    return x * 31 + 7;
  }

  /** A batch function computing f, recording each batch's size. */
  private static DynamicBatcher.BatchFunction<Long, long[]> recording(List<Integer> sizes) {
    return batch -> {
      sizes.add(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        batch.result(i)[0] = f(batch.request(i));
      }
    };
  }

  private static DynamicBatcher.Fallback<Long, long[]> cpu() {
    return (x, out) -> out[0] = f(x);
  }

  @Test
  void everyConcurrentCallerGetsItsOwnResult() throws Exception {
    int threads = 16;
    int perThread = 3_000;
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    var options = new DynamicBatcher.Options(8, 200_000, 16);
    try (var batcher = new DynamicBatcher<>("test", options, recording(sizes), cpu())) {
      AtomicInteger wrong = new AtomicInteger();
      runConcurrently(threads, t -> {
        long[] out = new long[1];
        for (int i = 0; i < perThread; i++) {
          long x = (long) t * perThread + i;
          batcher.call(x, out);
          if (out[0] != f(x)) {
            wrong.incrementAndGet();
          }
        }
        return true;
      });
      assertEquals(0, wrong.get());
      assertEquals((long) threads * perThread, batcher.requestCount());
      assertEquals(sizes.size(), batcher.batchCount());
      assertEquals(threads * perThread, sizes.stream().mapToInt(Integer::intValue).sum());
      assertTrue(sizes.stream().allMatch(s -> s >= 1 && s <= 8), sizes.toString());
      assertEquals(0, batcher.fallbackCount());
      assertEquals(0, batcher.waiting());
    }
  }

  @Test
  void requestsThatWaitTogetherRunAsBatchesOfAtMostMaxBatch() throws Exception {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DynamicBatcher.BatchFunction<Long, long[]> record = recording(sizes);
    DynamicBatcher.BatchFunction<Long, long[]> blockFirst = batch -> {
      if (sizes.isEmpty()) {
        inFirst.countDown();
        await(release); // holds the worker so that the next requests queue up
      }
      record.apply(batch);
    };
    var options = new DynamicBatcher.Options(4, 0, 32);
    try (var batcher = new DynamicBatcher<>("test", options, blockFirst, cpu())) {
      Thread first = Thread.ofPlatform().start(() -> batcher.call(-1L, new long[1]));
      inFirst.await();
      List<Thread> callers = new ArrayList<>();
      List<long[]> outs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        long[] out = new long[1];
        long x = i;
        outs.add(out);
        callers.add(Thread.ofPlatform().start(() -> batcher.call(x, out)));
      }
      assertTimeoutPreemptively(LIMIT, () -> {
        while (batcher.waiting() < 10) {
          Thread.onSpinWait();
        }
      });
      release.countDown();
      first.join();
      for (Thread t : callers) {
        t.join();
      }
      assertEquals(List.of(1, 4, 4, 2), sizes);
      for (int i = 0; i < 10; i++) {
        assertEquals(f(i), outs.get(i)[0]);
      }
    }
  }

  @Test
  void aLoneCallerIsServedWithoutWaitingOutTheBudget() {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    long hour = Duration.ofHours(1).toNanos();
    var options = new DynamicBatcher.Options(256, hour, 256);
    try (var batcher = new DynamicBatcher<>("test", options, recording(sizes), cpu())) {
      long[] out = new long[1];
      assertTimeoutPreemptively(LIMIT, () -> {
        for (long x = 0; x < 100; x++) {
          batcher.call(x, out);
          assertEquals(f(x), out[0]);
        }
      });
      assertEquals(Collections.nCopies(100, 1), sizes);
    }
  }

  @Test
  void anIdleBatcherLetsTheCallerRunItsOwnRequest() throws Exception {
    List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
    DynamicBatcher.BatchFunction<Long, long[]> record = batch -> {
      ranOn.add(Thread.currentThread());
      batch.result(0)[0] = f(batch.request(0));
    };
    try (var batcher = new DynamicBatcher<>("test", DynamicBatcher.Options.defaults(), record, cpu())) {
      long[] out = new long[1];
      for (long x = 0; x < 20; x++) {
        Thread.sleep(5); // long enough for the idle worker to park
        batcher.call(x, out);
        assertEquals(f(x), out[0]);
      }
      assertEquals(20, batcher.requestCount());
      assertTrue(ranOn.contains(Thread.currentThread()), "no request ran on its caller's thread");
    }
  }

  @Test
  void failedBatchesFallBackPerRequestAndAreCounted() throws Exception {
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger failedRequests = new AtomicInteger();
    DynamicBatcher.BatchFunction<Long, long[]> flaky = batch -> {
      for (int i = 0; i < batch.size(); i++) {
        if (batch.request(i) % 7 == 0) {
          failed.incrementAndGet();
          failedRequests.addAndGet(batch.size());
          throw new IllegalStateException("device lost");
        }
        batch.result(i)[0] = f(batch.request(i));
      }
    };
    var options = new DynamicBatcher.Options(16, 100_000, 64);
    try (var batcher = new DynamicBatcher<>("test", options, flaky, cpu())) {
      AtomicInteger wrong = new AtomicInteger();
      runConcurrently(8, t -> {
        long[] out = new long[1];
        for (long x = t * 1000L; x < t * 1000L + 500; x++) {
          out[0] = -1;
          batcher.call(x, out);
          if (out[0] != f(x)) {
            wrong.incrementAndGet();
          }
        }
        return true;
      });
      assertEquals(0, wrong.get());
      assertTrue(failed.get() > 0);
      assertEquals(failed.get(), batcher.failedBatchCount());
      assertEquals(failedRequests.get(), batcher.fallbackCount());
      assertEquals(8 * 500, batcher.requestCount());
    }
  }

  @Test
  void aFailingFallbackReachesTheCallerWithTheBatchError() {
    DynamicBatcher.BatchFunction<Long, long[]> broken = batch -> {
      throw new IllegalStateException("cudaErrorLaunchFailure");
    };
    DynamicBatcher.Fallback<Long, long[]> brokenCpu = (x, out) -> {
      throw new IllegalArgumentException("bad request " + x);
    };
    try (var batcher = new DynamicBatcher<>("test", DynamicBatcher.Options.defaults(), broken,
        brokenCpu)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> batcher.call(3L, new long[1]));
      assertEquals("bad request 3", e.getMessage());
      assertEquals("cudaErrorLaunchFailure", e.getSuppressed()[0].getMessage());
      assertEquals(1, batcher.fallbackCount());
    }
  }

  @Test
  void closeServesWhatWasSubmittedThenRefuses() throws Exception {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    var batcher = new DynamicBatcher<>("test", new DynamicBatcher.Options(32, 50_000, 64),
        recording(sizes), cpu());
    AtomicInteger served = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicReference<Throwable> other = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(4);
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      callers.add(Thread.ofPlatform().start(() -> {
        long[] out = new long[1];
        started.countDown();
        for (long x = 0; ; x++) {
          try {
            batcher.call(x, out);
          } catch (IllegalStateException e) {
            refused.incrementAndGet();
            return;
          } catch (Throwable e) {
            other.set(e);
            return;
          }
          if (out[0] != f(x)) {
            other.set(new AssertionError("wrong result for " + x));
            return;
          }
          served.incrementAndGet();
        }
      }));
    }
    started.await();
    assertTimeoutPreemptively(LIMIT, () -> {
      while (served.get() < 100) {
        Thread.onSpinWait();
      }
      batcher.close();
      for (Thread t : callers) {
        t.join();
      }
    });
    assertEquals(null, other.get());
    assertEquals(4, refused.get());
    assertEquals(served.get(), batcher.requestCount());
    batcher.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> batcher.call(1L, new long[1]));
    assertEquals("batcher is closed", e.getMessage());
  }

  @Test
  void anInterruptedCallerStillGetsItsResultAndKeepsTheInterrupt() throws Exception {
    CountDownLatch inBatch = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DynamicBatcher.BatchFunction<Long, long[]> slow = batch -> {
      inBatch.countDown();
      // Uninterruptible, keeping any interrupt: at low load this runs on the caller's thread.
      boolean interrupted = false;
      while (release.getCount() > 0) {
        try {
          release.await();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      batch.result(0)[0] = f(batch.request(0));
    };
    try (var batcher = new DynamicBatcher<>("test", DynamicBatcher.Options.defaults(), slow, cpu())) {
      long[] out = new long[1];
      AtomicReference<Boolean> interrupted = new AtomicReference<>();
      Thread caller = Thread.ofPlatform().start(() -> {
        batcher.call(5L, out);
        interrupted.set(Thread.currentThread().isInterrupted());
      });
      inBatch.await();
      caller.interrupt();
      release.countDown();
      caller.join();
      assertEquals(f(5), out[0]);
      assertSame(Boolean.TRUE, interrupted.get());
    }
  }

  @Test
  void badOptionsNameTheBadValue() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new DynamicBatcher.Options(0, 1, 1)).getMessage().contains("maxBatch must be positive: 0"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new DynamicBatcher.Options(4, -1, 4)).getMessage().contains("maxWaitNanos"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new DynamicBatcher.Options(8, 1, 4)).getMessage().contains("maxPending 4"));
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code body(t)} on {@code threads} threads started together; fails on any failure. */
  private static void runConcurrently(int threads, IntPredicate body) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      started.add(Thread.ofPlatform().start(() -> {
        try {
          barrier.await();
          assertTrue(body.test(id));
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    assertTimeoutPreemptively(LIMIT, () -> {
      for (Thread t : started) {
        t.join();
      }
    });
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }
}

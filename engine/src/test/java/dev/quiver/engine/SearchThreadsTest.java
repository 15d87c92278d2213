package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SearchThreadsTest {

  @Test
  void runsEveryPartOnceEachOnItsOwnThread() {
    int parts = SearchThreads.parallelism(8);
    AtomicIntegerArray ran = new AtomicIntegerArray(parts);
    ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
    SearchThreads.run(parts, p -> {
      ran.incrementAndGet(p);
      threads.put(Thread.currentThread(), true);
      sleep();
    });
    for (int p = 0; p < parts; p++) {
      assertEquals(1, ran.get(p));
    }
    assertEquals(parts, threads.size());
  }

  @Test
  void rethrowsAPartsFailure() {
    int parts = Math.max(2, SearchThreads.parallelism(2));
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    var e = assertThrows(IllegalArgumentException.class, () -> SearchThreads.run(parts, p -> {
      if (p == parts - 1) {
        throw boom;
      }
    }));
    assertSame(boom, e);
  }

  @Test
  void nestedCallsDoNotSplit() {
    AtomicReference<Integer> nested = new AtomicReference<>();
    int parts = Math.max(2, SearchThreads.parallelism(2));
    SearchThreads.run(parts, p -> {
      if (p == 1) {
        nested.set(SearchThreads.parallelism(4));
      }
    });
    assertEquals(1, nested.get());
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

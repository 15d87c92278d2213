package dev.quiver.serving.snapshot;

import static dev.quiver.serving.snapshot.SnapshotFixtures.answers;
import static dev.quiver.serving.snapshot.SnapshotFixtures.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers lease, search and release in a loop while versions are published and swapped in by the
 * watcher, with the real reaper freeing old snapshots: no reader fails, and every answer is
 * exactly its leased version's.
 */
class SnapshotSwapUnderLoadTest {
  private static final int VERSIONS = 6;
  @TempDir Path work;

  @Test
  void readersNeverFailAndAlwaysSeeOneWholeVersion() throws Exception {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 2);
    float[][] queries = SnapshotFixtures.queries(4, 3);
    Map<Long, String> expected = new ConcurrentHashMap<>();
    Items first = Items.random(1);
    expected.put(1L, first.expected(queries));
    publish(writer, work, first, 1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong requests = new AtomicLong();
    try (SnapshotManager<FakeModel> manager = new SnapshotManager<>(root, SnapshotLoader.of(FakeModel.LOADER),
        new SnapshotListener() { }, Duration.ofSeconds(5))) {
      manager.start();
      manager.watch(Duration.ofMillis(5));
      Thread[] readers = new Thread[3];
      for (int t = 0; t < readers.length; t++) {
        readers[t] = new Thread(() -> {
          while (!stop.get() && failure.get() == null) {
            try (Lease<FakeModel> lease = manager.acquire()) {
              String got = answers(lease, queries);
              lease.model().user(requests.get());
              String want = expected.get(lease.version());
              if (!got.equals(want)) {
                throw new AssertionError("version " + lease.version() + " answered " + got + ", expected " + want);
              }
              requests.incrementAndGet();
            } catch (Throwable e) {
              failure.compareAndSet(null, e);
            }
          }
        });
        readers[t].start();
      }
      for (long v = 2; v <= VERSIONS; v++) {
        Items items = Items.random(v);
        expected.put(v, items.expected(queries));
        publish(writer, work, items, v);
        SnapshotManagerTest.awaitVersion(manager, v);
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      if (failure.get() != null) {
        throw new AssertionError("a reader failed", failure.get());
      }
      assertEquals(VERSIONS, manager.version());
      assertTrue(requests.get() > VERSIONS, "readers ran: " + requests.get());
    }
  }
}

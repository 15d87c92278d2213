package dev.quiver.serving.snapshot;

import static dev.quiver.serving.snapshot.SnapshotFixtures.GATE;
import static dev.quiver.serving.snapshot.SnapshotFixtures.answers;
import static dev.quiver.serving.snapshot.SnapshotFixtures.loader;
import static dev.quiver.serving.snapshot.SnapshotFixtures.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving, swapping, leases across swaps, rollback and the watcher. */
class SnapshotManagerTest {
  private static final Duration DRAIN = Duration.ofMillis(200);
  @TempDir Path work;

  private final float[][] queries = SnapshotFixtures.queries(99, 12);

  private SnapshotManager<FakeModel> manager(Path root) {
    return new SnapshotManager<>(root, loader(), new SnapshotListener() { }, DRAIN);
  }

  @Test
  void servesTheCurrentVersionWithItemIdsAndTheSameAnswersAsTheIndex() throws IOException {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
    Items items = Items.random(1);
    Manifest m = publish(writer, work, items, 10);
    assertEquals(1, m.version());
    try (SnapshotManager<FakeModel> manager = manager(root)) {
      manager.start();
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(1, lease.version());
        assertEquals(items.expected(queries), answers(lease, queries));
        assertEquals(SnapshotFixtures.DIM, lease.model().dimension);
        assertEquals(items.ids()[17], lease.snapshot().ids().id(17));
        assertEquals(17, lease.snapshot().ids().ordinal(items.ids()[17]));
        // One lease covers the user tower and the search.
        SearchResults r = new SearchResults(5);
        lease.search(lease.model().user(42), 5, null, Params.DEFAULT, r);
        assertEquals(5, r.count());
      }
    }
  }

  @Test
  void leaseHeldAcrossASwapKeepsItsSnapshotUntilReleased() throws Exception {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
    Items a = Items.random(1);
    Items b = Items.random(2);
    publish(writer, work, a, 10);
    try (SnapshotManager<FakeModel> manager = manager(root)) {
      manager.start();
      Lease<FakeModel> old = manager.acquire();
      Snapshot<FakeModel> first = old.snapshot();
      publish(writer, work, b, 20);
      assertTrue(manager.refresh());
      assertEquals(2, manager.version());
      assertEquals(a.expected(queries), answers(old, queries), "the old lease still answers from version 1");
      old.model().user(7);
      assertFalse(first.freed().isDone(), "freed under a reader");
      try (Lease<FakeModel> fresh = manager.acquire()) {
        assertEquals(2, fresh.version());
        assertEquals(b.expected(queries), answers(fresh, queries));
      }
      old.close();
      old.close();
      assertEquals(1L, first.freed().get(5, TimeUnit.SECONDS));
      assertTrue(first.model().closed);
      assertFalse(first.tryAcquire(), "a freed snapshot must never be leased again");
      assertThrows(IllegalStateException.class, () -> first.search(queries[0], 5, null, Params.DEFAULT,
          new SearchResults(5)));
      assertThrows(IllegalStateException.class, () -> old.search(queries[0], 5, null, Params.DEFAULT,
          new SearchResults(5)));
    }
  }

  @Test
  void aReleasedLeaseIsTakenAgainOnTheCurrentVersionWithoutANewObject() throws Exception {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
    Items a = Items.random(1);
    Items b = Items.random(2);
    publish(writer, work, a, 10);
    try (SnapshotManager<FakeModel> manager = manager(root)) {
      manager.start();
      Lease<FakeModel> lease = manager.acquire(null);
      Snapshot<FakeModel> first = lease.snapshot();
      assertThrows(IllegalStateException.class, () -> manager.acquire(lease), "still held");
      lease.close();
      publish(writer, work, b, 20);
      assertTrue(manager.refresh());
      assertEquals(1L, first.freed().get(5, TimeUnit.SECONDS), "the released lease no longer holds version 1");
      assertSame(lease, manager.acquire(lease));
      assertEquals(2, lease.version());
      assertEquals(b.expected(queries), answers(lease, queries));
      lease.close();
      lease.close();
      assertThrows(IllegalStateException.class, () -> lease.search(queries[0], 5, null, Params.DEFAULT,
          new SearchResults(5)));
    }
  }

  @Test
  void atMostTwoSnapshotsAreMappedANewVersionWaitsForTheOldLeases() throws Exception {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 4, GATE);
    publish(writer, work, Items.random(1), 10);
    try (SnapshotManager<FakeModel> manager = manager(root)) {
      manager.start();
      Lease<FakeModel> held = manager.acquire();
      publish(writer, work, Items.random(2), 10);
      assertTrue(manager.refresh());
      Items third = Items.random(3);
      publish(writer, work, third, 10);
      assertFalse(manager.refresh(), "version 1 is still leased and version 2 serves: no third mapping");
      assertEquals(2, manager.version());
      assertTrue(manager.lastFailure().cause().getMessage().contains("still has leases"),
          manager.lastFailure().cause().getMessage());
      held.close();
      assertTrue(manager.refresh(), "retried once the old lease is gone");
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(3, lease.version());
        assertEquals(third.expected(queries), answers(lease, queries));
      }
    }
  }

  @Test
  void rollbackRestoresTheExactPreviousAnswersAndMovesThePointer() throws IOException {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
    publish(writer, work, Items.random(1), 10);
    try (SnapshotManager<FakeModel> manager = manager(root)) {
      manager.start();
      String before;
      try (Lease<FakeModel> lease = manager.acquire()) {
        before = answers(lease, queries);
      }
      publish(writer, work, Items.random(2), 20);
      assertTrue(manager.refresh());
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertNotEquals(before, answers(lease, queries));
      }
      assertEquals(1, manager.rollback());
      assertEquals(1, manager.version());
      assertEquals(1, SnapshotLayout.current(root));
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(before, answers(lease, queries));
      }
      assertFalse(manager.refresh(), "the pointer names the rolled-back version: nothing to load");
      assertThrows(IOException.class, manager::rollback, "nothing below version 1");
      assertEquals(1, manager.version());
    }
  }

  @Test
  void watcherLoadsNewVersionsAsTheyArePublished() throws Exception {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 2, GATE);
    publish(writer, work, Items.random(1), 10);
    List<Long> swaps = new ArrayList<>();
    SnapshotListener listener = new SnapshotListener() {
      @Override
      public synchronized void swapped(long previous, long version, long loadNanos) {
        swaps.add(version);
      }
    };
    try (SnapshotManager<FakeModel> manager = new SnapshotManager<>(root, loader(), listener, DRAIN)) {
      manager.start();
      manager.watch(Duration.ofMillis(10));
      for (int v = 2; v <= 4; v++) {
        Items items = Items.random(v);
        publish(writer, work, items, 10 * v);
        awaitVersion(manager, v);
        try (Lease<FakeModel> lease = manager.acquire()) {
          assertEquals(items.expected(queries), answers(lease, queries));
        }
      }
      synchronized (listener) {
        assertEquals(List.of(1L, 2L, 3L, 4L), swaps);
      }
    }
    assertEquals(List.of(3L, 4L), SnapshotLayout.versions(root), "retention keeps the newest two");
  }

  @Test
  void outOfMemoryWhileLoadingLeavesTheCurrentVersionServing() throws IOException {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
    Items first = Items.random(1);
    publish(writer, work, first, 10);
    ModelLoader<FakeModel> tight = (dir, arena) -> {
      if (Files.readString(dir.resolve("model.json")).contains("\"seed\": 20")) {
        throw new OutOfMemoryError("simulated: no room for the model");
      }
      return FakeModel.LOADER.load(dir, arena);
    };
    SnapshotLoader<FakeModel> loader = SnapshotLoader.of(tight).executors(SnapshotFixtures.INLINE,
        SnapshotFixtures.INLINE);
    try (SnapshotManager<FakeModel> manager = new SnapshotManager<>(root, loader, new SnapshotListener() { }, DRAIN)) {
      manager.start();
      publish(writer, work, Items.random(2), 20);
      assertFalse(manager.refresh());
      assertEquals(1, manager.version());
      assertTrue(manager.lastFailure().cause() instanceof OutOfMemoryError, manager.lastFailure().toString());
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(first.expected(queries), answers(lease, queries));
      }
      Items third = Items.random(3);
      publish(writer, work, third, 30);
      assertTrue(manager.refresh());
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(third.expected(queries), answers(lease, queries));
      }
    }
  }

  @Test
  void closedManagerRefusesLeasesAndFreesItsSnapshot() throws Exception {
    Path root = work.resolve("root");
    publish(new SnapshotWriter(root, 1, GATE), work, Items.random(1), 10);
    SnapshotManager<FakeModel> manager = manager(root);
    manager.start();
    Snapshot<FakeModel> s;
    try (Lease<FakeModel> lease = manager.acquire()) {
      s = lease.snapshot();
    }
    manager.close();
    assertEquals(1L, s.freed().get(5, TimeUnit.SECONDS));
    var e = assertThrows(IllegalStateException.class, manager::acquire);
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void startWithoutAPublishedVersionSaysSo() {
    var e = assertThrows(IOException.class, () -> manager(work.resolve("empty")).start());
    assertTrue(e.getMessage().contains("CURRENT"), e.getMessage());
  }

  static void awaitVersion(SnapshotManager<?> manager, long version) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (manager.version() != version) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("version " + version + " not served; serving " + manager.version()
            + ", last failure " + manager.lastFailure());
      }
      Thread.sleep(5);
    }
  }
}

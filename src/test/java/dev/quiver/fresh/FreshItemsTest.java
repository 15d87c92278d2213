package dev.quiver.fresh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.serving.recall.DeltaFullException;
import dev.quiver.serving.recall.ExactRecall;
import dev.quiver.serving.recall.FreshConfig;
import dev.quiver.serving.recall.FreshItems;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fresh items against exact search over every live item: the main index of a flat snapshot
 * (exact itself, so any difference comes from the fresh items) with the adds, replacements and
 * takedowns applied.
 */
class FreshItemsTest {
  private static final int BUILT = 1500;
  private static final int K = 20;
  private static final int USERS = 12;

  @TempDir Path dir;

  private FreshFixture fixture;
  private Path root;
  private Path log;

  private SnapshotManager<TowerModel> start(Path model, String kind) throws IOException {
    fixture = new FreshFixture(dir, BUILT);
    root = dir.resolve("root");
    log = FreshConfig.logBeside(root);
    fixture.publish(root, model, kind, 1, Instant.now());
    return FreshFixture.serve(root);
  }

  /** Adds catalog rows {@code from..to} as items, in batches, recording them in the fixture. */
  private void add(RecallService service, int from, int to, int batch) {
    FeatureRow[] rows = new FeatureRow[batch];
    long[] ids = new long[batch];
    for (int start = from; start < to; start += batch) {
      int n = Math.min(batch, to - start);
      for (int i = 0; i < n; i++) {
        rows[i] = service.newItemRow();
        SyntheticTwoTower.item(FreshFixture.SEED, start + i, rows[i]);
        ids[i] = FreshFixture.id(start + i);
        fixture.catalog.put(ids[i], start + i);
      }
      service.addItems(ids, rows, n);
    }
  }

  /** Every user's recall equals the exact one over the live items as {@code model} embeds them. */
  private void assertExact(RecallService service, Path model, long version) throws IOException {
    fixture.assertExact(service, model, version, K, USERS);
  }

  @Test
  void addedItemsAreRecalledByTheNextRecallAsExactSearchWould() throws IOException {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    try (SnapshotManager<TowerModel> snapshots = start(model, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      for (int round = 0; round < 4; round++) {
        add(service, BUILT + 100 * round, BUILT + 100 * (round + 1), 25);
        assertExact(service, model, 1);
      }
      assertEquals(400, fresh.size());
    }
  }

  @Test
  void anExistingIdTakesItsNewVector() throws IOException {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    try (SnapshotManager<TowerModel> snapshots = start(model, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      add(service, BUILT, BUILT + 200, 50);
      // Main items 0..99 and fresh items take the features of rows far away in the catalog.
      FeatureRow row = service.newItemRow();
      for (int i = 0; i < 100; i++) {
        long id = FreshFixture.id(i * 17 % (BUILT + 200));
        int features = BUILT + 200 + i;
        SyntheticTwoTower.item(FreshFixture.SEED, features, row);
        service.addItem(id, row);
        fixture.catalog.put(id, features);
      }
      assertExact(service, model, 1);
    }
  }

  @Test
  void aLargeDeltaIsSearchedThroughItsGraph() throws Exception {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    try (SnapshotManager<TowerModel> snapshots = start(model, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE,
             FreshConfig.defaults(log).withFlatLimit(200))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      add(service, BUILT, BUILT + 1500, 100);
      for (int wait = 0; wait < 600 && !fresh.isGraph(); wait++) {
        Thread.sleep(50);
      }
      assertTrue(fresh.isGraph(), "the delta switched to its graph");
      add(service, BUILT + 1500, BUILT + 1600, 10);
      try (ExactRecall exact = fixture.exact(model)) {
        RecallRequest request = service.newRequest().k(K);
        FeatureRow user = service.newUserRow();
        RecallResults out = new RecallResults(K);
        double sum = 0;
        for (int u = 0; u < USERS * 4; u++) {
          SyntheticTwoTower.user(FreshFixture.SEED, u, user);
          sum += exact.recall(service.recall(user, request, out), user, request);
        }
        assertTrue(sum / (USERS * 4) >= 0.95, "recall@" + K + " " + sum / (USERS * 4));
      }
    }
  }

  @Test
  void removedItemsNeverComeBackFromMainOrDeltaAndAcrossASwap() throws IOException {
    Path m1 = new FreshFixture(dir, 0).model("m1", 0);
    Path m2 = new FreshFixture(dir, 0).model("m2", 0.3);
    try (SnapshotManager<TowerModel> snapshots = start(m1, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      Instant beforeAdds = Instant.now();
      add(service, BUILT, BUILT + 300, 30);
      Set<Long> removed = removeTopItems(service);
      assertExact(service, m1, 1);
      // The next build read its items before the takedowns and still has them.
      fixture.publish(root, m2, "flat", 2, beforeAdds);
      assertTrue(snapshots.refresh());
      assertExact(service, m2, 2);
      assertNoneOf(service, removed);
    }
  }

  @Test
  void addsDuringASwapAreNeitherLostNorEmbeddedByTheOldModel() throws Exception {
    Path m1 = new FreshFixture(dir, 0).model("m1", 0);
    Path m2 = new FreshFixture(dir, 0).model("m2", 0.3);
    try (SnapshotManager<TowerModel> snapshots = start(m1, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      Instant cutoff = Instant.now();
      add(service, BUILT, BUILT + 200, 20);
      fixture.publish(root, m2, "flat", 2, cutoff);
      AtomicReference<Throwable> failed = new AtomicReference<>();
      AtomicBoolean swapped = new AtomicBoolean();
      Thread adder = new Thread(() -> {
        try {
          int next = BUILT + 200;
          // Keeps adding through the swap, then one more round once it is done.
          for (boolean last = false; !last; next += 10) {
            last = swapped.get();
            add(service, next, next + 10, 10);
          }
        } catch (Throwable t) {
          failed.set(t);
        }
      });
      adder.start();
      Thread.sleep(20);
      assertTrue(snapshots.refresh());
      swapped.set(true);
      adder.join();
      assertEquals(null, failed.get());
      assertTrue(fixture.catalog.size() > BUILT + 200, "adds ran during the swap");
      assertExact(service, m2, 2);
      assertEquals(fixture.catalog.size() - BUILT, fresh.size());
      assertDiffersFrom(service, m1);
    }
  }

  /** The old model's exact answers are not what is served: the check above tells the models apart. */
  private void assertDiffersFrom(RecallService service, Path oldModel) throws IOException {
    try (ExactRecall exact = fixture.exact(oldModel)) {
      RecallRequest request = service.newRequest().k(K);
      FeatureRow user = service.newUserRow();
      RecallResults out = new RecallResults(K);
      int differ = 0;
      for (int u = 0; u < USERS; u++) {
        SyntheticTwoTower.user(FreshFixture.SEED, u, user);
        differ += java.util.Arrays.equals(exact.answer(user, request).ids(), service.recall(user, request, out).ids())
            ? 0 : 1;
      }
      assertTrue(differ > 0, "the two models give the same answers; the test cannot tell them apart");
    }
  }

  /** Takes down the two best items of every user, main or fresh; returns them. */
  private Set<Long> removeTopItems(RecallService service) {
    Set<Long> removed = new HashSet<>();
    RecallRequest request = service.newRequest().k(K);
    FeatureRow user = service.newUserRow();
    RecallResults out = new RecallResults(K);
    for (int u = 0; u < USERS; u++) {
      SyntheticTwoTower.user(FreshFixture.SEED, u, user);
      service.recall(user, request, out);
      long[] two = {out.id(0), out.id(1)};
      service.removeItems(two);
      for (long id : two) {
        removed.add(id);
        fixture.catalog.remove(id);
      }
      service.recall(user, request, out);
      assertFalse(contains(out, two[0]) || contains(out, two[1]), "user " + u + " still gets a removed item");
    }
    assertTrue(removed.stream().anyMatch(id -> id >= FreshFixture.id(BUILT)), "a fresh item was taken down");
    assertTrue(removed.stream().anyMatch(id -> id < FreshFixture.id(BUILT)), "a main item was taken down");
    return removed;
  }

  private void assertNoneOf(RecallService service, Set<Long> removed) {
    RecallRequest request = service.newRequest().k(200);
    FeatureRow user = service.newUserRow();
    RecallResults out = new RecallResults(200);
    for (int u = 0; u < 50; u++) {
      SyntheticTwoTower.user(FreshFixture.SEED, u, user);
      service.recall(user, request, out);
      for (int i = 0; i < out.count(); i++) {
        assertFalse(removed.contains(out.id(i)), "removed item " + out.id(i) + " came back to user " + u);
      }
    }
  }

  private static boolean contains(RecallResults r, long id) {
    for (int i = 0; i < r.count(); i++) {
      if (r.id(i) == id) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aRestartReplaysTheLogAndCutsATornTail() throws IOException {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    Set<Long> removed;
    try (SnapshotManager<TowerModel> snapshots = start(model, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      add(service, BUILT, BUILT + 250, 50);
      removed = removeTopItems(service);
    }
    // A crash in the middle of a batch's write leaves a partial record at the end.
    Files.write(log, new byte[] {0, 0, 1, 0, 7, 7}, StandardOpenOption.APPEND);
    try (SnapshotManager<TowerModel> snapshots = FreshFixture.serve(root);
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      assertExact(service, model, 1);
      assertNoneOf(service, removed);
      add(service, BUILT + 250, BUILT + 300, 50);
      assertExact(service, model, 1);
    }
  }

  @Test
  void aFullDeltaRefusesTheWholeBatchWithAClearError() throws IOException {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    try (SnapshotManager<TowerModel> snapshots = start(model, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE,
             FreshConfig.defaults(log).withMaxItems(30))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      add(service, BUILT, BUILT + 25, 25);
      DeltaFullException e = assertThrows(DeltaFullException.class, () -> add(service, BUILT + 25, BUILT + 35, 10));
      assertTrue(e.getMessage().contains("maxItems 30"), e.getMessage());
      assertEquals(25, fresh.size());
    }
  }

  @Test
  void theMemoryBoundIsKeptToo() throws IOException {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    // 25 entries of 32 floats, an id and a dead bit's share fit; a 26th does not.
    long bytes = 25L * (32 * Float.BYTES + Long.BYTES + Integer.BYTES);
    FreshConfig config = FreshConfig.defaults(dir.resolve("fresh.log"));
    try (SnapshotManager<TowerModel> snapshots = start(model, "flat");
         FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, new FreshConfig(config.log(),
             config.maxItems(), bytes, config.flatLimit(), config.graphKind(), config.graphParams()))) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      add(service, BUILT, BUILT + 25, 25);
      DeltaFullException e = assertThrows(DeltaFullException.class, () -> add(service, BUILT + 25, BUILT + 26, 1));
      assertTrue(e.getMessage().contains("maxBytes " + bytes), e.getMessage());
      assertEquals(25, fresh.size());
    }
  }
}

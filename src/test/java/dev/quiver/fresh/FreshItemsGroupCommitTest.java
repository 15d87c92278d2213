package dev.quiver.fresh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adds and takedowns from several threads at once, committed in groups: each caller's batch is
 * durable and visible when its call returns, records of one id keep their order, and a swap in
 * the middle of concurrent adds loses none of them. Checked against exact search over every live
 * item, as in {@link FreshItemsTest}.
 */
class FreshItemsGroupCommitTest {
  private static final int BUILT = 1000;
  private static final int K = 20;
  private static final int USERS = 12;
  private static final int ADDERS = 4;
  private static final int BATCH = 8;

  @TempDir Path dir;

  private FreshFixture fixture;
  private Path root;

  private SnapshotManager<TowerModel> start(Path model) throws IOException {
    fixture = new FreshFixture(dir, BUILT);
    root = dir.resolve("root");
    fixture.publish(root, model, "flat", 1, Instant.now());
    return FreshFixture.serve(root);
  }

  private FreshItems open(SnapshotManager<TowerModel> snapshots, Path log) throws IOException {
    return FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log));
  }

  /**
   * Adder {@code a} adds {@code batches} batches of new catalog rows; after each returns, a
   * recall restricted to the batch's ids finds every one of them, and, every other batch, a
   * takedown of the batch's first item hides it from the next recall.
   */
  private void addAndCheck(RecallService service, int a, int from, int batches) {
    FeatureRow[] rows = new FeatureRow[BATCH];
    long[] ids = new long[BATCH];
    RecallResults out = new RecallResults(BATCH);
    FeatureRow user = service.newUserRow();
    SyntheticTwoTower.user(FreshFixture.SEED, a, user);
    for (int b = 0; b < batches; b++) {
      int first = from + (b * ADDERS + a) * BATCH;
      Set<Long> batch = new HashSet<>();
      for (int i = 0; i < BATCH; i++) {
        rows[i] = service.newItemRow();
        SyntheticTwoTower.item(FreshFixture.SEED, first + i, rows[i]);
        ids[i] = FreshFixture.id(first + i);
        batch.add(ids[i]);
        record(ids[i], first + i);
      }
      service.addItems(ids, rows, BATCH);
      RecallRequest only = service.newRequest().k(BATCH).filter(batch::contains);
      assertEquals(batch, found(service.recall(user, only, out)), "adder " + a + " batch " + b);
      if (b % 2 == 1) {
        service.removeItems(ids[0]);
        record(ids[0], -1);
        batch.remove(ids[0]);
        assertEquals(batch, found(service.recall(user, only, out)), "adder " + a + " batch " + b + " takedown");
      }
    }
  }

  private void record(long id, int row) {
    synchronized (fixture) {
      if (row < 0) {
        fixture.catalog.remove(id);
      } else {
        fixture.catalog.put(id, row);
      }
    }
  }

  private static Set<Long> found(RecallResults out) {
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < out.count(); i++) {
      ids.add(out.id(i));
    }
    return ids;
  }

  /** Runs {@link #addAndCheck} on {@link #ADDERS} threads at once, from catalog row {@code from}. */
  private void concurrentAdds(RecallService service, int from, int batches) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(ADDERS);
    try {
      List<Future<?>> adders = new ArrayList<>();
      for (int a = 0; a < ADDERS; a++) {
        int adder = a;
        adders.add(pool.submit(() -> addAndCheck(service, adder, from, batches)));
      }
      for (Future<?> f : adders) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void concurrentAddersSeeTheirBatchesOnReturnAndTheLogKeepsThemAll() throws Exception {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    Path log = FreshConfig.logBeside(dir.resolve("root"));
    Path copy = dir.resolve("copied.log");
    try (SnapshotManager<TowerModel> snapshots = start(model); FreshItems fresh = open(snapshots, log)) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      concurrentAdds(service, BUILT, 10);
      assertEquals(fixture.catalog.size() - BUILT, fresh.size());
      fixture.assertExact(service, model, 1, K, USERS);
      // Every returned batch is in the log already, while it is still open.
      Files.copy(log, copy);
    }
    try (SnapshotManager<TowerModel> snapshots = FreshFixture.serve(root); FreshItems fresh = open(snapshots, copy)) {
      fixture.assertExact(new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh), model, 1, K, USERS);
    }
  }

  @Test
  void recordsOfOneIdApplyInTheirOrderWithinAndAcrossBatches() throws IOException {
    Path model = new FreshFixture(dir, 0).model("m1", 0);
    Path log = FreshConfig.logBeside(dir.resolve("root"));
    try (SnapshotManager<TowerModel> snapshots = start(model); FreshItems fresh = open(snapshots, log)) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      long twice = FreshFixture.id(BUILT);
      long main = FreshFixture.id(3);
      // One batch: a fresh id added twice (the second wins), a main item taken down then re-added.
      service.removeItems(main);
      service.addItems(new long[] {twice, twice, main}, rows(service, BUILT, BUILT + 1, BUILT + 2), 3);
      record(twice, BUILT + 1);
      record(main, BUILT + 2);
      // Across batches: added then taken down stays down; taken down then added comes back.
      long gone = FreshFixture.id(BUILT + 3);
      service.addItems(new long[] {gone}, rows(service, BUILT + 3), 1);
      service.removeItems(gone);
      long back = FreshFixture.id(7);
      service.removeItems(back);
      service.addItems(new long[] {back}, rows(service, BUILT + 4), 1);
      record(back, BUILT + 4);
      fixture.assertExact(service, model, 1, K, USERS);
      assertEquals(3, fresh.size());
    }
    // The log replays to the same state.
    try (SnapshotManager<TowerModel> snapshots = FreshFixture.serve(root); FreshItems fresh = open(snapshots, log)) {
      fixture.assertExact(new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh), model, 1, K, USERS);
    }
  }

  private static FeatureRow[] rows(RecallService service, int... catalogRows) {
    FeatureRow[] rows = new FeatureRow[catalogRows.length];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = service.newItemRow();
      SyntheticTwoTower.item(FreshFixture.SEED, catalogRows[i], rows[i]);
    }
    return rows;
  }

  @Test
  void aSwapDuringConcurrentAddsLosesNoneAndEmbedsThemByTheNewModel() throws Exception {
    Path m1 = new FreshFixture(dir, 0).model("m1", 0);
    Path m2 = new FreshFixture(dir, 0).model("m2", 0.3);
    Path log = FreshConfig.logBeside(dir.resolve("root"));
    try (SnapshotManager<TowerModel> snapshots = start(m1); FreshItems fresh = open(snapshots, log)) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
      Instant cutoff = Instant.now();
      concurrentAdds(service, BUILT, 2);
      fixture.publish(root, m2, "flat", 2, cutoff);
      AtomicBoolean swapped = new AtomicBoolean();
      Thread swapper = new Thread(() -> swapped.set(snapshots.refresh()));
      swapper.start();
      // Adds keep running through the swap's preparation.
      concurrentAdds(service, BUILT + 2 * ADDERS * BATCH, 12);
      swapper.join();
      assertTrue(swapped.get(), "v2 was swapped in");
      fixture.assertExact(service, m2, 2, K, USERS);
      assertEquals(fixture.catalog.size() - BUILT, fresh.size());
    }
  }
}

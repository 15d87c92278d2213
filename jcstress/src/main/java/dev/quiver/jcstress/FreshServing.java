package dev.quiver.jcstress;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.IdMap;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.FreshConfig;
import dev.quiver.serving.recall.FreshItems;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A served generated two-tower model with fresh items, shared by every state of one stress test
 * (a snapshot per state would not fit a quick run): each state races on an item id of its own.
 * The main index holds two items that the states never touch; a recall restricted to one id has
 * that item in its exact top 1 exactly when it is live, so "found" is what every recall owes.
 */
final class FreshServing {
  private static final long SEED = 7;
  private static final long MAIN_ID = 1;

  final SnapshotManager<TowerModel> snapshots;
  final FreshItems fresh;
  final RecallService service;
  private final Path model;
  private final int dim;
  private final AtomicLong nextId = new AtomicLong(1_000);
  private final AtomicLong nextVersion = new AtomicLong(2);

  private FreshServing() throws IOException {
    Path dir = Files.createTempDirectory("quiver-fresh-stress");
    model = dir.resolve("model");
    SyntheticTwoTower.write(model, SEED, 0, 99);
    try (TowerModel m = TowerModel.load(model)) {
      dim = m.item().dim();
    }
    Path root = dir.resolve("root");
    try (FlatIndex index = mainIndex()) {
      new SnapshotWriter(root, 2, TowerModelLoader.gate(s -> { })).publish(SnapshotSource.of(model, index,
          Params.DEFAULT).withIds(new long[] {MAIN_ID, MAIN_ID + 1}).withVersion(1).withItemCutoff(Instant.now()));
    }
    snapshots = new SnapshotManager<>(root, TowerModelLoader.snapshots(2), new SnapshotListener() { },
        Duration.ofSeconds(5));
    snapshots.start();
    // Exact scans only: a graph searched for one id among many could miss it, which is no race.
    fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE,
        FreshConfig.defaults(dir.resolve("fresh.log")).withFlatLimit(1 << 20));
    service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
  }

  static FreshServing start() {
    try {
      return new FreshServing();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private FlatIndex mainIndex() {
    try (VectorStore rows = VectorStore.allocate(dim, 2)) {
      float[] v = new float[dim];
      v[0] = 1;
      rows.add(v);
      rows.add(v);
      return FlatIndex.build(rows, null, Metric.INNER_PRODUCT);
    }
  }

  /** An id no other state uses. */
  long newId() {
    return nextId.incrementAndGet();
  }

  void add(long id) {
    FeatureRow row = service.newItemRow();
    SyntheticTwoTower.item(SEED, (int) (id % 1000), row);
    service.addItems(new long[] {id}, new FeatureRow[] {row}, 1);
  }

  /** 1 when a recall restricted to {@code id} returns it, else 0. */
  int found(long id) {
    FeatureRow user = service.newUserRow();
    SyntheticTwoTower.user(SEED, 1, user);
    RecallRequest request = service.newRequest().k(1).filter(candidate -> candidate == id);
    RecallResults out = service.recall(user, request, new RecallResults(1));
    return out.count() == 1 && out.id(0) == id ? 1 : 0;
  }

  /**
   * Swaps in the next version, the same items and model, loaded in memory, with item cut-off
   * {@code cutoff}: the manager prepares its fresh items (every add since the cut-off) before it
   * serves. An add older than the cut-off would be in the build's main index: this one holds
   * none, so the cut-off must precede the adds raced on.
   */
  void swap(Instant cutoff) {
    Arena arena = Arena.ofShared();
    try {
      TowerModel m = TowerModel.load(model, arena);
      MemorySegment ids = arena.allocate(2 * Long.BYTES, Long.BYTES);
      ids.setAtIndex(ValueLayout.JAVA_LONG, 0, MAIN_ID);
      ids.setAtIndex(ValueLayout.JAVA_LONG, 1, MAIN_ID + 1);
      FlatIndex index = mainIndex();
      long version = nextVersion.getAndIncrement();
      Manifest manifest = new Manifest(Manifest.FORMAT, version, Instant.now().toString(), "0".repeat(64),
          new Manifest.IndexInfo(index.kind(), Map.of(), "ip", dim), 2, List.of(), cutoff.toString());
      snapshots.install(Snapshot.assemble(manifest, null, m, index, IdMap.of(ids, 2), arena, Runnable::run));
    } catch (IOException e) {
      arena.close();
      throw new UncheckedIOException(e);
    }
  }
}

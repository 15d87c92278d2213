package dev.quiver.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.serving.recall.ExactRecall;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.BloomFilter;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.serving.recall.MergeMode;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From user features to merged items through a published snapshot: a generated two-tower
 * model, its catalog embedded by the item tower, an index per snapshot, the recall service on
 * top. Checked against exact search over the same tower vectors.
 */
class RecallEndToEndTest {
  private static final long SEED = 5;
  private static final int ITEMS = 4000;
  private static final int USERS = 60;
  private static final int K = 20;

  @TempDir Path dir;

  /** A model of the given drift, its catalog's vectors and ids. */
  private record Built(Path model, VectorStore vectors, long[] ids) {}

  private Built build(String name, double drift) throws IOException {
    Path model = dir.resolve(name);
    SyntheticTwoTower.write(model, SEED, drift, 99);
    try (TowerModel m = TowerModel.load(model)) {
      VectorStore v = ItemEmbedder.embed(m.item(), CpuTowerBackend.INSTANCE, ITEMS,
          (i, row) -> SyntheticTwoTower.item(SEED, i, row), done -> { });
      long[] ids = new long[ITEMS];
      for (int i = 0; i < ITEMS; i++) {
        ids[i] = SyntheticTwoTower.FIRST_ITEM_ID + i;
      }
      return new Built(model, v, ids);
    }
  }

  private static void publish(Path root, Built b, String kind, Params params, long version) throws IOException {
    try (VectorIndex index = IndexFormats.forKind(kind).build(b.vectors, null, Metric.INNER_PRODUCT, params, 2)) {
      new SnapshotWriter(root, 5).publish(SnapshotSource.of(b.model, index, params).withIds(b.ids).withVersion(version));
    }
  }

  private static SnapshotManager<TowerModel> serve(Path root) throws IOException {
    SnapshotManager<TowerModel> m = new SnapshotManager<>(root, TowerModelLoader.snapshots(2),
        new SnapshotListener() { }, Duration.ofSeconds(5));
    m.start();
    return m;
  }

  @Test
  void recallFromFeaturesMatchesExactSearchOverTowerVectors() throws IOException {
    Built b = build("v1", 0);
    Path flatRoot = dir.resolve("flat");
    Path hnswRoot = dir.resolve("hnsw");
    publish(flatRoot, b, "flat", Params.DEFAULT, 1);
    publish(hnswRoot, b, "hnsw", Params.parse("M=16,efConstruction=100"), 1);
    try (SnapshotManager<TowerModel> flatSnapshots = serve(flatRoot);
         SnapshotManager<TowerModel> hnswSnapshots = serve(hnswRoot);
         ExactRecall exact = new ExactRecall(b.model, b.vectors, b.ids)) {
      RecallService flat = new RecallService(flatSnapshots, CpuTowerBackend.INSTANCE);
      RecallService hnsw = new RecallService(hnswSnapshots, CpuTowerBackend.INSTANCE);
      for (MergeMode mode : MergeMode.values()) {
        RecallRequest request = flat.newRequest().k(K).merge(mode);
        RecallRequest hnswRequest = hnsw.newRequest().k(K).merge(mode)
            .searchParams(Params.parse("efSearch=128"));
        FeatureRow user = flat.newUserRow();
        RecallResults out = new RecallResults(K);
        double sum = 0;
        for (int u = 0; u < USERS; u++) {
          SyntheticTwoTower.user(SEED, u, user);
          assertArrayEquals(exact.answer(user, request).ids(), flat.recall(user, request, out).ids(),
              mode + " user " + u);
          assertEquals(1, out.version());
          sum += exact.recall(hnsw.recall(user, hnswRequest, out), user, request);
        }
        double recall = sum / USERS;
        assertTrue(recall >= 0.95, mode + ": HNSW recall " + recall);
      }
      assertTrue(flat.latencies().snapshot().get("total").getTotalCount() >= 2 * USERS);
    } finally {
      b.vectors.close();
    }
  }

  @Test
  void filteredItemsNeverComeBackAndKStillDoes() throws IOException {
    Built b = build("v1", 0);
    Path root = dir.resolve("root");
    publish(root, b, "hnsw", Params.parse("M=16,efConstruction=100"), 1);
    try (SnapshotManager<TowerModel> snapshots = serve(root)) {
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE);
      RecallRequest request = service.newRequest().k(K);
      FeatureRow user = service.newUserRow();
      RecallResults out = new RecallResults(K);
      for (int u = 0; u < 20; u++) {
        SyntheticTwoTower.user(SEED, u, user);
        long[] unfiltered = service.recall(user, request.exposure(null).filter(null), out).ids();
        BloomFilter shown = BloomFilter.create(1000, 0.001);
        for (int i = 0; i < unfiltered.length / 2; i++) {
          shown.put(unfiltered[i]);
        }
        service.recall(user, request.exposure(shown).filter(id -> id % 3 != 0), out);
        assertEquals(K, out.count(), "k items still come back");
        for (int i = 0; i < out.count(); i++) {
          assertFalse(shown.mightContain(out.id(i)), "shown item " + out.id(i));
          assertTrue(out.id(i) % 3 != 0, "filtered item " + out.id(i));
        }
      }
      long item = SyntheticTwoTower.FIRST_ITEM_ID + 17;
      service.similarItems(item, request.exposure(null).filter(null), out);
      assertEquals(K, out.count());
      for (int i = 0; i < out.count(); i++) {
        assertTrue(out.id(i) != item, "the query item itself");
        assertEquals(RecallResults.ITEM, out.head(i));
      }
    } finally {
      b.vectors.close();
    }
  }

  @Test
  void aSwapInTheMiddleOfBatchesAnswersEachRequestFromOneSnapshot() throws Exception {
    Built v1 = build("v1", 0);
    Built v2 = build("v2", 0.3);
    Params params = Params.parse("M=16,efConstruction=100");
    Path only1 = dir.resolve("only1"), only2 = dir.resolve("only2"), live = dir.resolve("live");
    publish(only1, v1, "hnsw", params, 1);
    publish(only2, v2, "hnsw", params, 2);
    publish(live, v1, "hnsw", params, 1);
    int batch = 16;
    try (SnapshotManager<TowerModel> m1 = serve(only1);
         SnapshotManager<TowerModel> m2 = serve(only2);
         SnapshotManager<TowerModel> liveSnapshots = serve(live)) {
      RecallService[] reference = {null, new RecallService(m1, CpuTowerBackend.INSTANCE),
          new RecallService(m2, CpuTowerBackend.INSTANCE)};
      RecallService service = new RecallService(liveSnapshots, CpuTowerBackend.INSTANCE);
      FeatureRow[] users = new FeatureRow[batch];
      RecallRequest[] requests = new RecallRequest[batch];
      RecallResults[] out = new RecallResults[batch];
      for (int i = 0; i < batch; i++) {
        users[i] = service.newUserRow();
        SyntheticTwoTower.user(SEED, 1000 + i, users[i]);
        requests[i] = service.newRequest().k(K);
        out[i] = new RecallResults(K);
      }
      AtomicReference<Throwable> publishFailure = new AtomicReference<>();
      Thread publisher = new Thread(() -> {
        try {
          Thread.sleep(50);
          publish(live, v2, "hnsw", params, 2);
          liveSnapshots.refresh();
        } catch (Throwable t) {
          publishFailure.set(t);
        }
      });
      publisher.start();
      Set<Long> versions = new HashSet<>();
      RecallResults expected = new RecallResults(K);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((publisher.isAlive() || versions.size() < 2) && System.nanoTime() < deadline) {
        service.recallBatch(users, requests, batch, out, 2);
        for (int i = 0; i < batch; i++) {
          long v = out[i].version();
          versions.add(v);
          // Rows were made for model v1; after the swap they are carried over by feature name.
          reference[(int) v].recall(users[i], requests[i], expected);
          assertArrayEquals(expected.ids(), out[i].ids(), "user " + i + " answered by v" + v);
        }
      }
      publisher.join();
      assertEquals(null, publishFailure.get());
      assertEquals(Set.of(1L, 2L), versions);
    } finally {
      v1.vectors.close();
      v2.vectors.close();
    }
  }
}

package dev.quiver.fresh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.ExactRecall;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A generated catalog whose items are feature rows {@code 0..}: the first {@code built} are in
 * the published main index, the rest arrive as fresh items. {@link #catalog} tracks which
 * features each live item id has now, so that the exact answer is the exact search over every
 * live item embedded by the model being checked.
 */
final class FreshFixture {
  static final long SEED = 5;

  final Path dir;
  final int built;
  /** Live item id to the catalog row of its features, in order. */
  final Map<Long, Integer> catalog = new LinkedHashMap<>();

  FreshFixture(Path dir, int built) {
    this.dir = dir;
    this.built = built;
    for (int i = 0; i < built; i++) {
      catalog.put(id(i), i);
    }
  }

  static long id(int row) {
    return SyntheticTwoTower.FIRST_ITEM_ID + row;
  }

  /** Writes model {@code name} with {@code drift} and returns its directory. */
  Path model(String name, double drift) throws IOException {
    Path model = dir.resolve(name);
    SyntheticTwoTower.write(model, SEED, drift, 99);
    return model;
  }

  /** Publishes the first {@code built} rows under {@code model} as {@code version} of {@code root}. */
  void publish(Path root, Path model, String kind, long version, Instant cutoff) throws IOException {
    long[] ids = new long[built];
    int[] rows = new int[built];
    for (int i = 0; i < built; i++) {
      ids[i] = id(i);
      rows[i] = i;
    }
    Params params = kind.equals("hnsw") ? Params.parse("M=16,efConstruction=100") : Params.DEFAULT;
    try (VectorStore v = embed(model, rows);
         VectorIndex index = IndexFormats.forKind(kind).build(v, null, Metric.INNER_PRODUCT, params, 2)) {
      new SnapshotWriter(root, 5, TowerModelLoader.gate(snapshot -> { }))
          .publish(SnapshotSource.of(model, index, params).withIds(ids).withVersion(version).withItemCutoff(cutoff));
    }
  }

  static SnapshotManager<TowerModel> serve(Path root) throws IOException {
    SnapshotManager<TowerModel> m = new SnapshotManager<>(root, TowerModelLoader.snapshots(2),
        new SnapshotListener() { }, Duration.ofSeconds(5));
    m.start();
    return m;
  }

  /** Exact search over every live item as {@code model} embeds it. */
  ExactRecall exact(Path model) throws IOException {
    int[] rows = catalog.values().stream().mapToInt(Integer::intValue).toArray();
    long[] ids = catalog.keySet().stream().mapToLong(Long::longValue).toArray();
    try (VectorStore v = embed(model, rows)) {
      return new ExactRecall(model, v, ids);
    }
  }

  private static VectorStore embed(Path model, int[] rows) throws IOException {
    try (TowerModel m = TowerModel.load(model)) {
      return ItemEmbedder.embed(m.item(), CpuTowerBackend.INSTANCE, rows.length,
          (i, row) -> SyntheticTwoTower.item(SEED, rows[i], row), done -> { });
    }
  }

  /** Every one of {@code users} users' top {@code k} equals the exact one over the live items as {@code model} embeds them. */
  void assertExact(RecallService service, Path model, long version, int k, int users) throws IOException {
    try (ExactRecall exact = exact(model)) {
      RecallRequest request = service.newRequest().k(k);
      FeatureRow user = service.newUserRow();
      RecallResults out = new RecallResults(k);
      for (int u = 0; u < users; u++) {
        SyntheticTwoTower.user(SEED, u, user);
        RecallResults want = exact.answer(user, request);
        service.recall(user, request, out);
        assertEquals(version, out.version());
        assertArrayEquals(want.ids(), out.ids(), "user " + u);
        for (int i = 0; i < k; i++) {
          assertEquals(want.score(i), out.score(i), 1e-4f, "user " + u + " rank " + i);
        }
      }
    }
  }
}

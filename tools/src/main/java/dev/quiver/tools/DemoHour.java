package dev.quiver.tools;

import dev.quiver.tools.Progress;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.serving.recall.ExactRecall;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The offline half of the demo's hour: a model version, its catalog through the item tower, the
 * item index, the snapshot published; and the check of served answers against exact search.
 */
public final class DemoHour {
  /** What one version's build left: its model directory, item vectors and stage times. */
  public record Version(long version, Path model, String fingerprint, VectorStore vectors, double embedSeconds,
                 double indexSeconds, double publishSeconds, long indexBytes) implements AutoCloseable {
    @Override
    public void close() {
      vectors.close();
    }
  }

  private final Path work;
  private final Path root;
  private final int items;
  private final long seed;
  private final int threads;
  private final Params build;
  private final boolean progress;

  public DemoHour(Path work, int items, long seed, int threads, Params build, boolean progress) {
    this(work, items, seed, threads, build, progress, work.resolve("snapshots"));
  }

  /** As above, publishing into {@code root}. */
  public DemoHour(Path work, int items, long seed, int threads, Params build, boolean progress, Path root) {
    this.work = work;
    this.root = root;
    this.items = items;
    this.seed = seed;
    this.threads = threads;
    this.build = build;
    this.progress = progress;
  }

  public Path root() {
    return root;
  }

  /** Generates model {@code version} (drifted from the first for later hours) and publishes it. */
  public Version build(long version, double drift) throws IOException {
    // The catalog is read from here on: items added later are not in this build.
    return build(version, drift, Instant.now());
  }

  /**
   * As above, over the catalog as it was at {@code itemCutoff}: the generated catalog does not
   * change, so a later version built from it holds no item added after the first one's cut-off.
   */
  public Version build(long version, double drift, Instant itemCutoff) throws IOException {
    Path model = work.resolve("model-v" + version);
    String fingerprint = SyntheticTwoTower.write(model, seed, drift, seed + version);
    Instant cutoff = itemCutoff;
    long t0 = System.nanoTime();
    VectorStore vectors;
    try (TowerModel m = TowerModel.load(model);
         Progress bar = Progress.start("item tower v" + version, items, "items", progress)) {
      int[] done = {0};
      vectors = ItemEmbedder.embed(m.item(), CpuTowerBackend.INSTANCE, items,
          (i, row) -> SyntheticTwoTower.item(seed, i, row), n -> {
            bar.step(n - done[0]);
            done[0] = n;
          });
    }
    long t1 = System.nanoTime();
    long[] ids = itemIds();
    try (VectorIndex index = IndexFormats.forKind("hnsw").build(vectors, null, Metric.INNER_PRODUCT, build, threads)) {
      long t2 = System.nanoTime();
      Manifest manifest = new SnapshotWriter(root, 3)
          .publish(SnapshotSource.of(model, index, build).withIds(ids).withVersion(version).withItemCutoff(cutoff));
      long t3 = System.nanoTime();
      return new Version(manifest.version(), model, fingerprint, vectors, seconds(t1 - t0), seconds(t2 - t1),
          seconds(t3 - t2), index.byteSize());
    }
  }

  /**
   * Recall@k of the served answers against exact answers: each head's exact top k over the
   * version's item vectors, merged the same way. Both come from the same model and the same
   * features, so only the approximate index can make them differ.
   */
  public double recallAgainstExact(RecallService service, Version v, RecallRequest request, int users) throws IOException {
    try (ExactRecall exact = new ExactRecall(v.model(), v.vectors(), itemIds())) {
      FeatureRow user = service.newUserRow();
      RecallResults served = new RecallResults(request.k());
      double sum = 0;
      for (int u = 0; u < users; u++) {
        SyntheticTwoTower.user(seed, 7_000_000_000L + u, user);
        sum += exact.recall(service.recall(user, request, served), user, request);
      }
      return sum / users;
    }
  }

  private long[] itemIds() {
    long[] ids = new long[items];
    for (int i = 0; i < items; i++) {
      ids[i] = SyntheticTwoTower.FIRST_ITEM_ID + i;
    }
    return ids;
  }

  public static double seconds(long nanos) {
    return nanos / 1e9;
  }
}

package dev.quiver.bench.jmh;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
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
import dev.quiver.tools.SyntheticTwoTower;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One recall through {@link RecallService}, as the README's embedding example makes it: the
 * synthetic two-tower model's user tower, an HNSW index of 5,000 items, k = 100 with a quota,
 * snake merge. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes a single recall
 * allocates, which should be zero.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class RecallBenchmark {
  private static final int ITEMS = 5000;

  private Path dir;
  private SnapshotManager<TowerModel> snapshots;
  private RecallService service;
  private FeatureRow user;
  private RecallRequest request;
  private final RecallResults items = new RecallResults(100);
  private long next;

  @Setup
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("quiver-recall-bench");
    Path model = dir.resolve("model");
    SyntheticTwoTower.write(model, 1, 0, 1);
    Params build = Params.parse("M=16,efConstruction=100");
    try (TowerModel m = TowerModel.load(model);
         VectorStore vectors = ItemEmbedder.embed(m.item(), CpuTowerBackend.INSTANCE, ITEMS,
             (i, row) -> SyntheticTwoTower.item(1, i, row), done -> { });
         VectorIndex index = IndexFormats.forKind("hnsw").build(vectors, null, Metric.INNER_PRODUCT, build, 2)) {
      new SnapshotWriter(dir.resolve("snapshots"), 2, TowerModelLoader.gate(snapshot -> { }))
          .publish(SnapshotSource.of(model, index, build));
    }
    snapshots = new SnapshotManager<>(dir.resolve("snapshots"), TowerModelLoader.snapshots(100),
        new SnapshotListener() { }, Duration.ofSeconds(30));
    snapshots.start();
    service = new RecallService(snapshots, CpuTowerBackend.INSTANCE);
    user = service.newUserRow();
    request = service.newRequest().k(100).merge(MergeMode.SNAKE).searchParams(Params.parse("efSearch=200"))
        .quota(1, 60);
  }

  @TearDown
  public void tearDown() throws IOException {
    snapshots.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public RecallResults recall() {
    user.clear().setId("user_id", next++ & 1023).addId("interests", "c7").setNumeric("age", 31);
    return service.recall(user, request, items);
  }
}

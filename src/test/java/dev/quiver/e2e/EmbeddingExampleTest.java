package dev.quiver.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.SyntheticTwoTower;
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
import dev.quiver.serving.recall.StageLatencies;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerBackends;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example of embedding Quiver in a service, compiled and run here, and checked to
 * be exactly what the README shows, so that the README cannot drift from working code.
 */
class EmbeddingExampleTest {
  @TempDir Path dir;

  @Test
  void theReadmeExampleRunsAndIsTheReadmes() throws IOException {
    Path root = publishedRoot();
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stdout = System.out;
    System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      example(root);
    } finally {
      System.setOut(stdout);
    }
    assertTrue(printed.toString(java.nio.charset.StandardCharsets.UTF_8).startsWith("100 items from v1 in "),
        printed::toString);
    Path readme = Path.of(System.getProperty("quiver.root", ".."), "README.md");
    String text = Files.readString(readme);
    for (String line : exampleLines()) {
      assertTrue(text.contains(line), "README.md lacks the example line: " + line);
    }
  }

  private static void example(Path root) throws IOException {
    // README:begin
    try (SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(root,
        TowerModelLoader.snapshots(100), new SnapshotListener() { }, Duration.ofSeconds(30))) {
      snapshots.start();                         // loads, verifies and warms the CURRENT version
      snapshots.watch(Duration.ofSeconds(10));   // swaps in new versions as they are published
      RecallService recall = new RecallService(snapshots, TowerBackends.select());

      FeatureRow user = recall.newUserRow();     // per request thread, reused: no allocation
      RecallRequest request = recall.newRequest().k(100).merge(MergeMode.SNAKE)
          .searchParams(Params.parse("efSearch=200")).quota(1, 60);
      RecallResults items = new RecallResults(100);

      user.clear().setId("user_id", 42L).addId("interests", "c7").setNumeric("age", 31);
      recall.recall(user, request, items);       // ids, scores, heads, items.version()

      Histogram total = recall.latencies().snapshot().get(StageLatencies.TOTAL);
      System.out.printf("%d items from v%d in %d us%n", items.count(), items.version(),
          total.getMaxValue() / 1000);
    }
    // README:end
  }

  /** The example's lines, without their indentation. */
  private static List<String> exampleLines() throws IOException {
    Path source = Path.of(System.getProperty("quiver.root", ".."),
        "src/test/java/dev/quiver/e2e/EmbeddingExampleTest.java");
    List<String> lines = new ArrayList<>();
    boolean inside = false;
    for (String line : Files.readAllLines(source)) {
      if (line.contains("// README:" + "end")) {
        break;
      }
      if (inside && !line.isBlank()) {
        lines.add(line.strip());
      }
      inside |= line.contains("// README:" + "begin");
    }
    assertTrue(lines.size() > 10, "example not found in " + source);
    return lines;
  }

  private Path publishedRoot() throws IOException {
    Path model = dir.resolve("model");
    SyntheticTwoTower.write(model, 1, 0, 1);
    Path root = dir.resolve("snapshots");
    int n = 2000;
    try (TowerModel m = TowerModel.load(model);
         VectorStore vectors = ItemEmbedder.embed(m.item(), CpuTowerBackend.INSTANCE, n,
             (i, row) -> SyntheticTwoTower.item(1, i, row), done -> { });
         VectorIndex index = IndexFormats.forKind("hnsw").build(vectors, null, Metric.INNER_PRODUCT,
             Params.parse("M=16,efConstruction=100"), 2)) {
      new SnapshotWriter(root, 2).publish(SnapshotSource.of(model, index, Params.parse("M=16,efConstruction=100")));
    }
    return root;
  }
}

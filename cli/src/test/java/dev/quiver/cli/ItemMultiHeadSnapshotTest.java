package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.engine.SearchResults;
import dev.quiver.serving.recall.FreshConfig;
import dev.quiver.serving.recall.FreshItems;
import dev.quiver.serving.recall.HeadMerger;
import dev.quiver.serving.recall.MergeMode;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.StageLatencies;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Snapshots of the team fixtures' heads, served end to end: build-snapshot from item feature rows
 * gives one index per item head, and the recall service searches each with the user head paired
 * to it (or the single user vector). Checked against exact search per pair over the towers'
 * vectors, merged the same way.
 */
class ItemMultiHeadSnapshotTest {
  private static final Path FIXTURES = Path.of("..", "tower-runtime", "src", "test", "resources", "tower", "team");
  private static final int ITEMS = 400;
  private static final int K = 15;
  /** Items in the main index of the fresh-item tests; the rest arrive as fresh items. */
  private static final int MAIN = 300;

  @TempDir Path dir;

  /** The fixture's item rows repeated with item ids 0..ITEMS-1, so that every item is distinct. */
  private Path itemRows(Path model) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> base = Files.readAllLines(model.resolve("item.jsonl"));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      ObjectNode row = (ObjectNode) json.readTree(base.get(i % base.size()));
      lines.add(json.writeValueAsString(row.put("item_id", i)));
    }
    return Files.write(dir.resolve("items.jsonl"), lines);
  }

  @ParameterizedTest
  @CsvSource({"item_multi_head,1,2,click buy", "share_bottom,2,2,click like",
      "user_multi_head,3,1,click like follow", "mixed_dims,2,2,click like"})
  void eachPairSearchesItsOwnIndex(String fixture, int userHeads, int itemHeads, String lists) throws IOException {
    Path model = FIXTURES.resolve(fixture);
    Path items = itemRows(model);
    Path root = dir.resolve("root");
    Cli r = Cli.run("build-snapshot", "--item-features", items.toString(), "--model", model.toString(),
        "--index", "flat", "--root", root.toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    Manifest manifest = Manifest.read(root.resolve("v-1").resolve("manifest.json"));
    assertEquals(IntStream.range(0, itemHeads).mapToObj(SnapshotLayout::headIndex).toList(), manifest.indexPaths());
    assertEquals(itemHeads == 1 ? List.of() : List.of(lists.split(" ")),
        manifest.itemHeads().stream().map(Manifest.ItemHead::name).toList());

    try (TowerModel m = TowerModel.load(model);
         SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(root, TowerModelLoader.snapshots(1),
             new SnapshotListener() { }, Duration.ofSeconds(5))) {
      snapshots.start();
      assertEquals(userHeads, m.user().heads());
      float[][] itemVectors = embedAll(m.item(), FeatureRows.readJsonl(items, m.item()));
      List<FeatureRow> users = FeatureRows.readJsonl(model.resolve("user.jsonl"), m.user());
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE);
      RecallRequest request = service.newRequest().k(K).merge(MergeMode.SNAKE);
      assertEquals(Stream.of(lists.split(" ")).map(n -> StageLatencies.SEARCH + n).toList(),
          service.latencies().snapshot().keySet().stream().filter(n -> n.startsWith(StageLatencies.SEARCH)).toList());
      int pairs = Math.max(userHeads, itemHeads);
      assertEquals(pairs, request.heads());
      RecallResults got = new RecallResults(K);
      RecallResults want = new RecallResults(K);
      float[] user = new float[m.user().width()];
      List<long[]> singles = new ArrayList<>();
      for (FeatureRow row : users) {
        m.user().embed(row, user);
        SearchResults[] exact = new SearchResults[pairs];
        for (int p = 0; p < pairs; p++) {
          exact[p] = exact(user, m.user(), userHeads == 1 ? 0 : p, itemVectors, m.item(), itemHeads == 1 ? 0 : p, K);
        }
        new HeadMerger().merge(MergeMode.SNAKE, exact, pairs, null, null, K, want);
        service.recall(row, request, got);
        assertArrayEquals(want.ids(), got.ids());
        singles.add(got.ids());
        for (int i = 0; i < got.count(); i++) {
          assertEquals(want.head(i), got.head(i), "the pair that found rank " + i);
          assertEquals(want.score(i), got.score(i), 1e-4f * Math.abs(want.score(i)) + 1e-5f);
        }
      }
      assertBatchGivesSingles(service, request, users, singles);
    }
  }

  @Test
  void headsThatCannotPairAreRefusedByTheBuild() throws IOException {
    Path model = Files.createDirectories(dir.resolve("three-item-heads"));
    for (String f : List.of("model.json", "model.safetensors", "item.jsonl")) {
      Files.copy(FIXTURES.resolve("share_bottom").resolve(f), model.resolve(f));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(model.resolve("model.json").toFile());
    ObjectNode third = ((com.fasterxml.jackson.databind.node.ArrayNode) config.path("towers").path("item")
        .path("heads")).addObject().put("name", "share");
    third.putArray("layers").addObject().put("linear", "item_tops.like").put("units", 8);
    json.writeValue(model.resolve("model.json").toFile(), config);
    Cli r = Cli.run("build-snapshot", "--item-features", itemRows(model).toString(), "--model", model.toString(),
        "--index", "flat", "--root", dir.resolve("root").toString(), "--no-progress");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("2 user heads [click, like] cannot pair with 3 item heads [click, like, share]"),
        r::toString);
  }

  @Test
  void headsOfDifferentSizesGetIndexesOfTheirSize() throws IOException {
    Path model = FIXTURES.resolve("mixed_dims");
    Path root = dir.resolve("root");
    Cli r = Cli.run("build-snapshot", "--item-features", itemRows(model).toString(), "--model", model.toString(),
        "--index", "hnsw", "--root", root.toString(), "--users", model.resolve("user.jsonl").toString(),
        "--min-recall", "0.9", "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    Manifest manifest = Manifest.read(root.resolve("v-1").resolve("manifest.json"));
    assertEquals(List.of(16, 8), List.of(manifest.dimension(0), manifest.dimension(1)));
    assertEquals(List.of(new Manifest.ItemHead("click", "index.qvi", 0), new Manifest.ItemHead("like", "index-h1.qvi", 8)),
        manifest.itemHeads());
    assertTrue(r.out().matches("(?s).*recall@100 [01]\\.\\d+ over 80 given users \\(click [01]\\.\\d+, like [01]\\.\\d+\\).*"),
        r::toString);
    Cli v = Cli.run("snapshot", "verify", "--root", root.toString(), "--users", model.resolve("user.jsonl").toString(),
        "--k", "10");
    assertEquals(0, v.exit(), v::toString);
    assertTrue(v.out().contains("user head click in item head click's index: recall@10 "), v::toString);
    assertTrue(v.out().contains("user head like in item head like's index: recall@10 "), v::toString);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "one item head|user head 'like' (8-d) pairs with item head 'click' (16-d)",
      "swapped item heads|user head 'click' (16-d) pairs with item head 'like' (8-d)"})
  void headsOfDifferentSizesThatWouldSearchAnIndexOfAnotherSizeAreRefused(String change, String message)
      throws IOException {
    Path model = Files.createDirectories(dir.resolve("changed"));
    for (String f : List.of("model.json", "model.safetensors", "item.jsonl")) {
      Files.copy(FIXTURES.resolve("mixed_dims").resolve(f), model.resolve(f));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(model.resolve("model.json").toFile());
    com.fasterxml.jackson.databind.node.ArrayNode heads =
        (com.fasterxml.jackson.databind.node.ArrayNode) config.path("towers").path("item").path("heads");
    if (change.equals("swapped item heads")) {
      heads.add(heads.remove(0));
    } else {
      heads.remove(1);
    }
    json.writeValue(model.resolve("model.json").toFile(), config);
    Cli r = Cli.run("build-snapshot", "--item-features", itemRows(model).toString(), "--model", model.toString(),
        "--index", "flat", "--root", dir.resolve("root").toString(), "--no-progress");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(message + "; paired heads must give the same dimension (user heads "
        + "[click 16-d, like 8-d], item heads "), r::toString);
  }

  @Test
  void towersThatShareNoDimensionAreRefusedWhenLoaded() throws IOException {
    Path model = Files.createDirectories(dir.resolve("apart"));
    for (String f : List.of("model.json", "model.safetensors")) {
      Files.copy(FIXTURES.resolve("mixed_dims").resolve(f), model.resolve(f));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(model.resolve("model.json").toFile());
    ((com.fasterxml.jackson.databind.node.ArrayNode) config.at("/towers/user/heads")).remove(1);
    ((com.fasterxml.jackson.databind.node.ArrayNode) config.at("/towers/item/heads")).remove(0);
    json.writeValue(model.resolve("model.json").toFile(), config);
    float[][] vectors = new float[50][8];
    for (int i = 0; i < vectors.length; i++) {
      vectors[i][i % 8] = 1;
    }
    Path items = dir.resolve("items.fvecs");
    dev.quiver.engine.io.VectorFiles.writeFloats(items, vectors);
    Cli r = Cli.run("build-snapshot", "--items", items.toString(), "--model", model.toString(), "--index", "flat",
        "--root", dir.resolve("root").toString(), "--no-progress");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(model + ": user tower gives 16-d vectors, item tower 8-d: they cannot be compared"),
        r::toString);
  }

  @ParameterizedTest
  @CsvSource({"item_multi_head,1,2", "share_bottom,2,2", "mixed_dims,2,2", "user_multi_head,3,1"})
  void freshItemsAreFoundInEveryItemHead(String fixture, int userHeads, int itemHeads) throws IOException {
    Path model = FIXTURES.resolve(fixture);
    Path items = itemRows(model);
    Path main = Files.write(dir.resolve("main.jsonl"), Files.readAllLines(items).subList(0, MAIN));
    Path root = dir.resolve("root");
    Cli r = Cli.run("build-snapshot", "--item-features", main.toString(), "--model", model.toString(),
        "--index", "flat", "--root", root.toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    try (TowerModel m = TowerModel.load(model);
         SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(root, TowerModelLoader.snapshots(1),
             new SnapshotListener() { }, Duration.ofSeconds(5))) {
      snapshots.start();
      try (FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE,
          FreshConfig.defaults(FreshConfig.logBeside(root)))) {
        RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh);
        List<FeatureRow> rows = FeatureRows.readJsonl(items, m.item());
        float[][] live = embedAll(m.item(), rows);
        long[] ids = LongStream.range(MAIN, ITEMS).toArray();
        service.addItems(ids, rows.subList(MAIN, ITEMS).toArray(FeatureRow[]::new), ids.length);
        service.addItem(5, rows.get(ITEMS - 2)); // item 5 takes the features of an item taken down below
        live[5] = live[ITEMS - 2].clone();
        service.removeItems(7, ITEMS - 2); // one from the main index, one fresh
        live[7] = null;
        live[ITEMS - 2] = null;
        assertEquals(ITEMS - MAIN + 1 - 1, fresh.size());
        assertRecallsExact(service, m, userHeads, itemHeads, live, FeatureRows.readJsonl(model.resolve("user.jsonl"),
            m.user()));
      }
    }
  }

  /**
   * Every user's recall, single and batched, is the merge of each pair's exact search over
   * {@code live}: the same scores rank by rank, each item live and scored as its pair scores it.
   * Items' ids are not compared: items of equal features tie, and the delta's kernel and the main
   * index's may round a tie either way.
   */
  private static void assertRecallsExact(RecallService service, TowerModel m, int userHeads, int itemHeads,
                                         float[][] live, List<FeatureRow> users) {
    RecallRequest request = service.newRequest().k(K).merge(MergeMode.SNAKE);
    int pairs = Math.max(userHeads, itemHeads);
    RecallResults[] batch = new RecallResults[users.size()];
    RecallRequest[] requests = new RecallRequest[users.size()];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = new RecallResults(K);
      requests[i] = request;
    }
    service.recallBatch(users.toArray(FeatureRow[]::new), requests, users.size(), batch, 2);
    float[] user = new float[m.user().width()];
    RecallResults got = new RecallResults(K);
    RecallResults want = new RecallResults(K);
    for (int i = 0; i < users.size(); i++) {
      m.user().embed(users.get(i), user);
      SearchResults[] exact = new SearchResults[pairs];
      for (int p = 0; p < pairs; p++) {
        exact[p] = exact(user, m.user(), userHeads == 1 ? 0 : p, live, m.item(), itemHeads == 1 ? 0 : p, K);
      }
      new HeadMerger().merge(MergeMode.SNAKE, exact, pairs, null, null, K, want);
      service.recall(users.get(i), request, got);
      for (RecallResults r : List.of(got, batch[i])) {
        assertEquals(want.count(), r.count());
        for (int rank = 0; rank < r.count(); rank++) {
          int p = r.head(rank);
          float[] item = live[(int) r.id(rank)];
          assertTrue(item != null, "user " + i + " rank " + rank + ": item " + r.id(rank) + " was taken down");
          double score = dot(user, m.user().headOffset(userHeads == 1 ? 0 : p), item,
              m.item().headOffset(itemHeads == 1 ? 0 : p), m.item().headDim(itemHeads == 1 ? 0 : p));
          float tolerance = 1e-4f * Math.abs(want.score(rank)) + 1e-5f;
          assertEquals(want.score(rank), r.score(rank), tolerance, "user " + i + " rank " + rank);
          assertEquals(score, r.score(rank), tolerance, "user " + i + " rank " + rank + " item " + r.id(rank));
        }
      }
    }
  }

  private static double dot(float[] a, int from, float[] b, int bFrom, int dim) {
    double s = 0;
    for (int j = 0; j < dim; j++) {
      s += (double) a[from + j] * b[bFrom + j];
    }
    return s;
  }

  /** A batch pairs heads as single recalls do. */
  private static void assertBatchGivesSingles(RecallService service, RecallRequest request, List<FeatureRow> users,
                                              List<long[]> singles) {
    int n = users.size();
    RecallRequest[] requests = new RecallRequest[n];
    RecallResults[] out = new RecallResults[n];
    for (int i = 0; i < n; i++) {
      requests[i] = request;
      out[i] = new RecallResults(K);
    }
    service.recallBatch(users.toArray(FeatureRow[]::new), requests, n, out, 2);
    for (int i = 0; i < n; i++) {
      assertArrayEquals(singles.get(i), out[i].ids(), "batched user " + i);
    }
  }

  /** Every item's vectors, [item][headOffset(head) + j]. */
  private static float[][] embedAll(Tower item, List<FeatureRow> rows) {
    int width = item.width();
    float[] all = new float[rows.size() * width];
    item.embedBatch(rows.toArray(FeatureRow[]::new), rows.size(), all);
    return IntStream.range(0, rows.size())
        .mapToObj(i -> java.util.Arrays.copyOfRange(all, i * width, (i + 1) * width)).toArray(float[][]::new);
  }

  /** Brute force in double: the k items of best inner product of user head u with item head h (null items skipped). */
  private static SearchResults exact(float[] user, Tower userTower, int u, float[][] items, Tower item, int h,
                                     int k) {
    int dim = item.headDim(h);
    assertEquals(dim, userTower.headDim(u), "paired heads' dimensions");
    double[] score = new double[items.length];
    for (int i = 0; i < items.length; i++) {
      for (int j = 0; items[i] != null && j < dim; j++) {
        score[i] += (double) user[userTower.headOffset(u) + j] * items[i][item.headOffset(h) + j];
      }
    }
    SearchResults out = new SearchResults(k);
    IntStream.range(0, items.length).filter(i -> items[i] != null).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -score[i]).thenComparingInt(i -> i)).limit(k)
        .forEach(i -> out.add(i, (float) score[i]));
    return out;
  }
}

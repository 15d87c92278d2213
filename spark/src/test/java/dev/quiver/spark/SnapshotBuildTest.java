package dev.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.simd.VectorKernels;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.TowerBackends;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark build in local mode ({@code local[2]}, small partitions so that rows cross many
 * tasks) against the single-machine build of the same rows: the steps of {@code build-snapshot}
 * (feature rows through {@link ItemEmbedder}, the kind's build, {@link SnapshotWriter}).
 */
class SnapshotBuildTest {
  private static final int N = 3000;
  private static SparkSession spark;
  @TempDir static Path shared;
  private static Path model;
  private static Path items;
  /** The single-machine build's item vectors of {@link #items}, row by row. */
  private static VectorStore expected;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws IOException {
    spark = SparkSession.builder().master("local[2]").appName("quiver-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.files.maxPartitionBytes", "16k")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    model = shared.resolve("model");
    SyntheticTwoTower.write(model, 2, 0, 2);
    items = Files.write(shared.resolve("items.jsonl"), itemLines(N));
    expected = embedAlone(items, N);
  }

  @AfterAll
  static void stop() {
    expected.close();
    spark.stop();
  }

  static List<String> itemLines(int n) {
    List<String> lines = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < n; i++) {
      lines.add(String.format(Locale.ROOT, "{\"category\": \"c%d\", \"item_id\": %d, \"price\": %.2f}",
          rnd.nextInt(SyntheticTwoTower.CATEGORIES + 20), SyntheticTwoTower.FIRST_ITEM_ID + 7 * i,
          1 + 99 * rnd.nextDouble()));
    }
    return lines;
  }

  /** What build-snapshot computes for {@code file}: the item tower over its rows in batches. */
  static VectorStore embedAlone(Path file, int count) throws IOException {
    try (TowerModel m = TowerModel.load(model); FeatureRows rows = FeatureRows.open(file, m.item())) {
      return ItemEmbedder.embed(m.item(), TowerBackends.select(), count, (i, row) -> rows.next(row), n -> { });
    }
  }

  private Manifest build(String... args) throws IOException {
    return SnapshotBuild.run(spark, BuildOptions.parse(args)).manifest();
  }

  private String[] args(String table, Path root, String... more) {
    List<String> a = new ArrayList<>(List.of("--item-features", table, "--model", model.toString()));
    if (root != null) {
      a.addAll(List.of("--root", root.toString()));
    }
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  @Test
  void theKernelsInsideTasksAreTheVectorApiOnes() {
    String driver = VectorKernels.provider().name();
    List<String> inTasks = spark.createDataset(List.of(1, 2, 3, 4), org.apache.spark.sql.Encoders.INT())
        .javaRDD().map(x -> VectorKernels.provider().name()).collect();
    assertTrue(driver.startsWith("panama"), driver);
    assertEquals(List.of(driver, driver, driver, driver), inTasks);
  }

  @Test
  void flatFromJsonLinesIsTheSingleMachineSnapshot() throws IOException {
    Path alone = dir.resolve("alone");
    publishAlone("flat", Params.DEFAULT, alone);
    Path root = dir.resolve("spark");
    Manifest m = build(args(items.toString(), root, "--index", "flat"));
    assertEquals(N, m.itemCount());
    Path got = root.resolve("v-1");
    for (String file : List.of(SnapshotLayout.INDEX, SnapshotLayout.IDS)) {
      assertArrayEquals(Files.readAllBytes(alone.resolve("v-1").resolve(file)), Files.readAllBytes(got.resolve(file)),
          file);
    }
    assertEquals(answers(alone.resolve("v-1")), answers(got));
  }

  /** Parquet and ORC part files come back in another row order: the same items, by id, with the same vectors. */
  @Test
  void flatFromParquetAndOrcPartFilesHasTheSameVectorsByIdAndTheSameAnswers() throws IOException {
    Path alone = dir.resolve("alone");
    publishAlone("flat", Params.DEFAULT, alone);
    for (String format : List.of("parquet", "orc")) {
      Path table = dir.resolve("items." + format);
      spark.read().json(items.toString()).write().format(format).save(table.toString());
      Path root = dir.resolve("spark-" + format);
      build(args(table.toString(), root, "--index", "flat"));
      Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(root.resolve("v-1"));
      try {
        float[] v = new float[SyntheticTwoTower.DIM];
        for (int i = 0; i < N; i++) {
          int ordinal = s.ids().ordinal(SyntheticTwoTower.FIRST_ITEM_ID + 7L * i);
          s.index().vector(ordinal, v);
          assertBitIdentical(expected.get(i), v, format + " item " + i);
        }
      } finally {
        s.retire();
      }
      assertEquals(answers(alone.resolve("v-1")), answers(root.resolve("v-1")), format);
    }
  }

  @Test
  void ivfKindsWithTheSameSeedHaveTheSingleMachineLists() throws IOException {
    for (String kind : List.of("ivf-flat", "ivf-sq8", "ivf-pq")) {
      Params params = Params.parse(kind.equals("ivf-pq") ? "nlist=24,m=8" : "nlist=24");
      Path alone = dir.resolve("alone-" + kind);
      publishAlone(kind, params, alone);
      Path root = dir.resolve("spark-" + kind);
      build(args(items.toString(), root, "--index", kind, "--build", params.toString(), "--metric", "ip"));
      try (VectorIndex a = IndexFormats.open(alone.resolve("v-1").resolve(SnapshotLayout.INDEX));
           VectorIndex b = IndexFormats.open(root.resolve("v-1").resolve(SnapshotLayout.INDEX))) {
        assertEquals(lists(a), lists(b), kind);
      }
      assertArrayEquals(Files.readAllBytes(alone.resolve("v-1").resolve(SnapshotLayout.INDEX)),
          Files.readAllBytes(root.resolve("v-1").resolve(SnapshotLayout.INDEX)), kind + " index file");
    }
  }

  @Test
  void threeHnswShardsRecallAsOneGraph() throws IOException {
    Path root = dir.resolve("sharded");
    Manifest m = build(args(items.toString(), root, "--index", "hnsw", "--build", "M=12,efConstruction=80",
        "--shards", "3"));
    assertEquals(3, m.shards());
    assertEquals(List.of("index-0.qvi", "index-1.qvi", "index-2.qvi"), m.indexFiles());
    Params search = Params.parse("efSearch=24");
    int k = 10;
    float[][] queries = queries(200);
    try (VectorIndex exact = IndexFormats.forKind("flat").build(expected, null, Metric.INNER_PRODUCT,
             Params.DEFAULT, 2);
         VectorIndex one = IndexFormats.forKind("hnsw").build(expected, null, Metric.INNER_PRODUCT,
             Params.parse("M=12,efConstruction=80"), 2)) {
      Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(root.resolve("v-1"));
      try {
        double sharded = recall(s.index(), exact, queries, k, search);
        double single = recall(one, exact, queries, k, search);
        assertTrue(sharded >= single - 0.01, "3 shards " + sharded + ", one graph " + single);
        assertTrue(single > 0.5, "one graph " + single);
      } finally {
        s.retire();
      }
    }
  }

  @Test
  void badRowsAreCountedAndNamedAndFailTheBuildUnlessAllowed() throws IOException {
    List<String> lines = new ArrayList<>(itemLines(200));
    lines.set(10, "{\"category\": \"c1\", \"item_id\": 42, \"price\": \"cheap\"}");
    lines.set(20, "{\"category\": \"c1\", \"item_id\": null, \"price\": 3.5}");
    lines.set(30, "{\"category\": \"c1\", \"item_id\": 43, \"price\": \"7.25\"}");
    Path table = Files.write(dir.resolve("bad.jsonl"), lines);
    Path root = dir.resolve("bad-root");
    var e = assertThrows(IllegalArgumentException.class,
        () -> build(args(table.toString(), root, "--index", "flat")));
    assertTrue(e.getMessage().startsWith(table + ": 2 rows do not fit the model: item 42 has 'cheap' for numeric "
        + "feature 'price'; expected a number; row "), e.getMessage());
    assertTrue(e.getMessage().contains("has no item id (column 'item_id' is null)"), e.getMessage());
    assertTrue(!Files.exists(root.resolve(SnapshotLayout.CURRENT)));
    SnapshotBuild.BuildReport r = SnapshotBuild.run(spark, BuildOptions.parse(args(table.toString(), root,
        "--index", "flat", "--max-bad-rows", "2")));
    assertEquals(2, r.badRows());
    assertEquals(198, r.manifest().itemCount());
  }

  @Test
  void aFailedJobLeavesTheRootAsItWas() throws IOException {
    Path root = dir.resolve("root");
    String table = Files.write(dir.resolve("few.jsonl"), itemLines(300)).toString();
    build(args(table, root, "--index", "flat"));
    TreeMap<String, Long> before = listing(root);
    String current = Files.readString(root.resolve(SnapshotLayout.CURRENT));
    // An unknown build parameter fails inside the shard tasks, after the tasks have staged files.
    assertThrows(Exception.class, () -> build(args(table, root, "--index", "flat", "--shards", "2",
        "--build", "bogus=1")));
    assertEquals(before, listing(root));
    assertEquals(current, Files.readString(root.resolve(SnapshotLayout.CURRENT)));
  }

  @Test
  void aHadoopFileSystemRootGetsTheSamePublishProtocol() throws IOException {
    Path root = dir.resolve("hadoop-root");
    String uri = root.toUri().toString();
    String table = Files.write(dir.resolve("few.jsonl"), itemLines(300)).toString();
    build(args(table, null, "--index", "flat", "--root", uri, "--retain", "1"));
    Manifest m = build(args(table, null, "--index", "flat", "--shards", "2", "--root", uri, "--retain", "1"));
    assertEquals(2, m.version());
    assertEquals(2, m.shards());
    assertEquals(2, SnapshotLayout.current(root));
    assertEquals(List.of(2L), SnapshotLayout.versions(root));
    try (var left = Files.list(root)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".staging")
          || n.startsWith(".tmp")).toList(), "staging and temporary directories are gone");
    }
    Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(root.resolve("v-2"));
    s.retire();
  }

  @Test
  void idsFromAFileAndAUserSampleShapeShardedHnsw() throws IOException {
    int n = 300;
    Path table = Files.write(dir.resolve("few.jsonl"), itemLines(n));
    List<String> idLines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      idLines.add(Long.toString(5000 + 3L * i));
    }
    Path ids = Files.write(dir.resolve("ids.txt"), idLines);
    Path users = Files.write(dir.resolve("users.jsonl"), List.of(
        "{\"user_id\": 7, \"interests\": [\"c1\", \"c2\"], \"age\": 30, \"country\": \"fr\"}",
        "{\"user_id\": \"u-8\", \"interests\": [\"c9\"]}"));
    Path root = dir.resolve("root");
    Manifest m = build(args(table.toString(), root, "--index", "hnsw", "--shards", "2", "--ids", ids.toString(),
        "--user-features", users.toString(), "--build", "M=8,efConstruction=40"));
    assertEquals(java.util.Map.of("M", "8", "efConstruction", "40", "userFeatures", "users.jsonl", "shards", "2"),
        m.index().params());
    Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(root.resolve("v-1"));
    try {
      float[] v = new float[SyntheticTwoTower.DIM];
      for (int i = 0; i < n; i++) {
        s.index().vector(s.ids().ordinal(5000 + 3L * i), v);
        assertBitIdentical(expected.get(i), v, "item " + i);
      }
    } finally {
      s.retire();
    }
  }

  /**
   * An item tower of two heads of different sizes (the 16-d and 8-d objectives of the team
   * fixture): one index per head in the same job, each as build-snapshot builds it: in two flat
   * shards, the same vectors bit for bit and the same exact answers per head; as ivf-flat, the
   * same lists per head.
   */
  @Test
  void multiHeadItemTowersGetOneIndexPerHeadAsBuildSnapshotDoes() throws IOException {
    Path team = Path.of("..", "tower-runtime", "src", "test", "resources", "tower", "team", "mixed_dims");
    int n = 500;
    List<String> base = Files.readAllLines(team.resolve("item.jsonl"));
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var row = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(base.get(i % base.size()));
      lines.add(json.writeValueAsString(row.put("item_id", 10 * i + 3)));
    }
    Path table = Files.write(dir.resolve("heads.jsonl"), lines);
    long[] ids = java.util.stream.LongStream.range(0, n).map(i -> 10 * i + 3).toArray();
    List<VectorStore> alone;
    try (TowerModel m = TowerModel.load(team); FeatureRows rows = FeatureRows.open(table, m.item())) {
      alone = ItemEmbedder.embedHeads(m.item(), TowerBackends.select(), n, (i, row) -> rows.next(row), d -> { });
    }
    try {
      Path root = dir.resolve("heads-flat");
      Manifest m = SnapshotBuild.run(spark, BuildOptions.parse("--item-features", table.toString(), "--model",
          team.toString(), "--root", root.toString(), "--index", "flat", "--shards", "2")).manifest();
      assertEquals(List.of("click", "like"), m.itemHeads().stream().map(Manifest.ItemHead::name).toList());
      assertEquals(List.of(16, 8), List.of(m.dimension(0), m.dimension(1)));
      assertEquals(List.of("index-h1-0.qvi", "index-h1-1.qvi"), m.indexFiles(1));
      Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(root.resolve("v-1"));
      try {
        for (int h = 0; h < 2; h++) {
          float[] v = new float[m.dimension(h)];
          for (int i = 0; i < n; i++) {
            assertEquals(ids[i], s.ids().id(i));
            s.index(h).vector(i, v);
            assertBitIdentical(alone.get(h).get(i), v, "head " + h + " item " + i);
          }
          try (VectorIndex exact = IndexFormats.forKind("flat").build(alone.get(h), ids, Metric.INNER_PRODUCT,
              Params.DEFAULT, 2)) {
            SearchResults got = new SearchResults(10);
            for (int q = 0; q < 40; q++) {
              float[] query = alone.get(h).get(q * 7);
              s.search(h, query, 10, null, Params.DEFAULT, got);
              assertArrayEquals(exact.search(query, 10).ids(), got.ids(), "head " + h + " query " + q);
            }
          }
        }
      } finally {
        s.retire();
      }
      Path ivf = dir.resolve("heads-ivf");
      Manifest mi = SnapshotBuild.run(spark, BuildOptions.parse("--item-features", table.toString(), "--model",
          team.toString(), "--root", ivf.toString(), "--index", "ivf-flat", "--build", "nlist=8")).manifest();
      for (int h = 0; h < 2; h++) {
        try (VectorIndex a = IndexFormats.forKind("ivf-flat").build(alone.get(h), null, Metric.INNER_PRODUCT,
                 Params.parse("nlist=8"), 2);
             VectorIndex b = IndexFormats.open(ivf.resolve("v-1").resolve(mi.indexPaths().get(h)))) {
          assertEquals(lists(a), lists(b), "head " + h);
        }
      }
    } finally {
      alone.forEach(VectorStore::close);
    }
  }

  @Test
  void badOptionsAreOneLineErrors() {
    var e = assertThrows(IllegalArgumentException.class, () -> BuildOptions.parse(args(items.toString(),
        dir, "--index", "ivf-flat", "--shards", "3")));
    assertEquals("--shards 3: only hnsw and flat build in shards; ivf-flat is one inverted file", e.getMessage());
    var f = assertThrows(IllegalArgumentException.class, () -> build(args(dir.resolve("t.csv").toString(), dir)));
    assertTrue(f.getMessage().endsWith("t.csv: unknown item table format 'csv'; expected .parquet, .orc, .jsonl or "
        + ".json (a file, or a directory of such part files)"), f.getMessage());
  }

  private static void publishAlone(String kind, Params params, Path root) throws IOException {
    long[] ids = new long[N];
    for (int i = 0; i < N; i++) {
      ids[i] = SyntheticTwoTower.FIRST_ITEM_ID + 7L * i;
    }
    try (VectorIndex index = IndexFormats.forKind(kind).build(expected, null, Metric.INNER_PRODUCT, params, 2)) {
      new SnapshotWriter(root, 1, TowerModelLoader.gate(s -> { })).publish(SnapshotSource.of(model, index, params).withIds(ids));
    }
  }

  private static void assertBitIdentical(float[] want, float[] got, String what) {
    for (int j = 0; j < want.length; j++) {
      assertEquals(Float.floatToRawIntBits(want[j]), Float.floatToRawIntBits(got[j]), what + " [" + j + "]");
    }
  }

  private static String answers(Path dir) throws IOException {
    Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(dir);
    try {
      StringBuilder sb = new StringBuilder();
      SearchResults r = new SearchResults(10);
      for (float[] q : queries(50)) {
        s.search(q, 10, null, Params.DEFAULT, r);
        sb.append(java.util.Arrays.toString(r.ids())).append(java.util.Arrays.toString(r.scores())).append('\n');
      }
      return sb.toString();
    } finally {
      s.retire();
    }
  }

  /** Each list's items (ordinals, in list order), through {@code list(ordinal)}: the inverted file's shape. */
  private static List<List<Integer>> lists(VectorIndex index) {
    var ivf = (dev.quiver.ivf.IvfIndex<?>) index;
    List<List<Integer>> lists = new ArrayList<>();
    for (int l = 0; l < ivf.nlist(); l++) {
      lists.add(new ArrayList<>());
    }
    for (int i = 0; i < ivf.size(); i++) {
      lists.get(ivf.list(i)).add(i);
    }
    return lists;
  }

  private static float[][] queries(int count) {
    SplittableRandom rnd = new SplittableRandom(11);
    float[][] q = new float[count][];
    for (int i = 0; i < count; i++) {
      q[i] = expected.get(rnd.nextInt(N));
      for (int j = 0; j < q[i].length; j++) {
        q[i][j] += (float) (0.3 * rnd.nextDouble() - 0.15);
      }
    }
    return q;
  }

  private static double recall(VectorIndex index, VectorIndex exact, float[][] queries, int k, Params params) {
    int hits = 0;
    for (float[] q : queries) {
      SearchResults got = new SearchResults(k);
      index.search(q, k, null, params, got);
      java.util.Set<Long> truth = new java.util.HashSet<>();
      for (long id : exact.search(q, k).ids()) {
        truth.add(id);
      }
      for (long id : got.ids()) {
        hits += truth.contains(id) ? 1 : 0;
      }
    }
    return hits / (double) (queries.length * k);
  }

  private static TreeMap<String, Long> listing(Path root) throws IOException {
    TreeMap<String, Long> out = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        out.put(root.relativize(p).toString(), Files.isDirectory(p) ? -1 : Files.size(p));
      }
    }
    return out;
  }
}

package dev.quiver.spark;

import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.serving.recall.HeadPairing;
import dev.quiver.serving.recall.RecallCheck;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * The hourly snapshot build as a Spark job: the item table through the model's item tower in the
 * executors, the item index built where the vectors are, and the snapshot published through the
 * {@link dev.quiver.serving.snapshot.SnapshotWriter} protocol. For the same rows it publishes what
 * {@code quiver build-snapshot} publishes: the same item vectors bit for bit and, with one shard,
 * the same index; an item tower of several heads gets one index per head (each built as a single
 * index is, in shards too), listed in the manifest.
 *
 * <p>Steps: (1) read the table and bind its columns to the item features by name; (2) embed each
 * partition in batches (the item tower runs once per row, giving every head's vector), counting
 * and naming the rows that do not fit the model; (3) number the good rows (the item ordinals) and
 * build each item head's index: {@code hnsw} and {@code flat} as shards, one task each; the IVF
 * kinds as {@link IvfBuild} describes; (4) publish. The driver logs each step's
 * time and counts; Spark's UI shows the stages.
 */
public final class SnapshotBuild {
  private static final System.Logger LOG = System.getLogger(SnapshotBuild.class.getName());
  /** The version's recall over users drawn from the model's features is measured before it is published. */
  private static final int RECALL_USERS = 50;
  private static final int RECALL_K = 100;
  /** Bad rows named in the error or the log; the rest are counted. */
  static final int NAMED_BAD_ROWS = 20;

  private SnapshotBuild() {}

  /** Runs the build on {@code spark}; the session stays open. */
  public static BuildReport run(SparkSession spark, BuildOptions o) throws IOException {
    Steps steps = new Steps();
    Dataset<Row> table = ItemTable.read(spark, o.itemFeatures);
    String idColumn = o.idColumn;
    if (o.ids != null) {
      table = IdsFile.attach(spark, table, o.ids);
      idColumn = IdsFile.COLUMN;
    }
    Heads heads;
    FeatureColumns columns;
    List<String> featureNames = new ArrayList<>();
    try (TowerModel model = TowerModel.load(o.model)) {
      heads = Heads.of(model, o.model);
      model.item().features().forEach(f -> featureNames.add(f.name()));
      columns = FeatureColumns.bind(table.schema(), model.item(), idColumn, o.itemFeatures);
    }
    logColumns(o, table, columns, featureNames, idColumn);
    String shipped = ModelFiles.ship(spark.sparkContext(), o.model);
    LongAccumulator unknown = spark.sparkContext().longAccumulator("unknown categories");
    JavaRDD<Embedded> embedded = table.javaRDD().mapPartitions(new EmbedPartition(shipped, columns, unknown))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Staging staging = Staging.beside(o.root);
    try {
      long bad = steps.time("embed", () -> badRows(embedded, o));
      List<long[]> idParts = embedded.mapPartitions(SnapshotBuild::goodIds).collect();
      long[] ids = concat(idParts);
      LOG.log(System.Logger.Level.INFO, "{0} items embedded, {1} bad rows, {2} unknown categories (mapped to the "
          + "out-of-vocabulary row)", ids.length, bad, unknown.value());
      if (ids.length == 0) {
        throw new IllegalArgumentException(o.itemFeatures + ": no item rows fit the model");
      }
      JavaPairRDD<Long, float[]> vectors = embedded.filter(Embedded::good).zipWithIndex()
          .mapToPair(t -> new Tuple2<>(t._2, t._1.vector()));
      List<JavaPairRDD<Long, float[]>> headVectors = heads.split(vectors);
      Params params = Params.parse(o.build);
      Params recorded = o.userFeatures == null ? params
          : params.with("userFeatures", o.userFeatures.getFileName().toString());
      RecallCheck recall = RecallCheck.generated(RECALL_USERS, RECALL_K, Params.DEFAULT, 0);
      Publisher publisher = new Publisher(o.root, o.retain, o.version, TowerModelLoader.gate(recall));
      Manifest manifest = o.kind.equals("hnsw") || o.kind.equals("flat")
          ? publishShards(o, heads, headVectors, ids, params, recorded, staging, publisher, steps)
          : publishIvf(spark, o, heads, headVectors, ids, params, publisher, steps);
      steps.log();
      LOG.log(System.Logger.Level.INFO, "verified before publishing: loads as served, {0}", recall.lastRecall());
      return new BuildReport(manifest, ids.length, bad, unknown.value(), steps.seconds);
    } finally {
      embedded.unpersist(false);
      staging.delete();
    }
  }

  /**
   * The item tower's heads: names, and where each head's vector lies in a row's output. Refuses,
   * as build-snapshot does, heads that cannot pair with the user heads when served.
   */
  record Heads(List<String> names, int[] offsets, int[] dims) {
    static Heads of(TowerModel model, Path dir) {
      try {
        HeadPairing.of(model, model.item().heads());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
      }
      Tower item = model.item();
      int[] offsets = new int[item.heads()];
      int[] dims = new int[item.heads()];
      for (int h = 0; h < dims.length; h++) {
        offsets[h] = item.headOffset(h);
        dims[h] = item.headDim(h);
      }
      return new Heads(item.headNames(), offsets, dims);
    }

    int count() {
      return dims.length;
    }

    /** What a step is called: with the head's name when there are several. */
    String step(String what, int h) {
      return count() == 1 ? what : what + " for item head " + names.get(h);
    }

    /** Each head's vectors by ordinal: a row's output itself for one head, its slice per head for several. */
    List<JavaPairRDD<Long, float[]>> split(JavaPairRDD<Long, float[]> rows) {
      if (count() == 1) {
        return List.of(rows);
      }
      List<JavaPairRDD<Long, float[]>> out = new ArrayList<>();
      for (int h = 0; h < count(); h++) {
        int from = offsets[h], to = offsets[h] + dims[h];
        out.add(rows.mapValues(v -> java.util.Arrays.copyOfRange(v, from, to)));
      }
      return out;
    }
  }

  private static void logColumns(BuildOptions o, Dataset<Row> table, FeatureColumns columns, List<String> features,
                                 String idColumn) {
    List<String> missing = new ArrayList<>(features);
    missing.removeAll(columns.bound());
    List<String> ignored = new ArrayList<>(List.of(table.columns()));
    ignored.removeAll(columns.bound());
    ignored.remove(idColumn);
    LOG.log(System.Logger.Level.INFO, "{0}: features from columns {1}; features with no column (missing in every "
        + "row) {2}; columns ignored {3}", o.itemFeatures, columns.bound(), missing, ignored);
  }

  /** Counts the rows that do not fit the model; fails, naming the first, beyond {@code --max-bad-rows}. */
  private static long badRows(JavaRDD<Embedded> embedded, BuildOptions o) {
    JavaRDD<Embedded> bad = embedded.filter(e -> !e.good());
    long count = bad.count();
    if (count == 0) {
      return 0;
    }
    List<String> named = bad.take(NAMED_BAD_ROWS).stream().map(Embedded::problem).toList();
    String what = count + " rows do not fit the model" + (count > named.size() ? " (first " + named.size() + ")" : "")
        + ": " + String.join("; ", named);
    if (count > o.maxBadRows) {
      throw new IllegalArgumentException(o.itemFeatures + ": " + what + (o.maxBadRows > 0
          ? "; --max-bad-rows allows " + o.maxBadRows : "; --max-bad-rows N leaves up to N out"));
    }
    LOG.log(System.Logger.Level.WARNING, "{0}: {1}; left out of the snapshot (--max-bad-rows {2})",
        o.itemFeatures, what, o.maxBadRows);
    return count;
  }

  private static Iterator<long[]> goodIds(Iterator<Embedded> items) {
    List<Long> ids = new ArrayList<>();
    items.forEachRemaining(e -> {
      if (e.good()) {
        ids.add(e.id());
      }
    });
    return List.of(ids.stream().mapToLong(Long::longValue).toArray()).iterator();
  }

  private static long[] concat(List<long[]> parts) {
    long[] all = new long[Math.toIntExact(parts.stream().mapToLong(p -> p.length).sum())];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  private static Manifest publishShards(BuildOptions o, Heads heads, List<JavaPairRDD<Long, float[]>> vectors,
                                        long[] ids, Params params, Params recorded, Staging staging,
                                        Publisher publisher, Steps steps) throws IOException {
    Path scratch = Files.createTempDirectory("quiver-spark-shards");
    try {
      List<List<Path>> files = new ArrayList<>();
      for (int h = 0; h < heads.count(); h++) {
        float[][] sample = o.userFeatures == null ? null
            : QuerySample.vectors(o.model, o.userFeatures, heads.dims()[h]);
        ShardBuild.Spec spec = new ShardBuild.Spec(h, o.kind, o.metric, params.toString(), sample, heads.dims()[h]);
        JavaPairRDD<Long, float[]> head = vectors.get(h);
        List<ShardBuild.Built> built = steps.time(heads.step("build " + o.shards + " " + o.kind + " shards", h),
            () -> ShardBuild.run(head, ids.length, o.shards, spec, staging));
        LOG.log(System.Logger.Level.INFO, "shards built: {0}", built);
        files.add(staging.fetch(h, o.shards, scratch));
      }
      SnapshotSource source = heads.count() == 1 ? SnapshotSource.ofShards(o.model, files.getFirst(), recorded)
          : SnapshotSource.ofHeadFiles(o.model, heads.names(), files, recorded);
      return steps.time("publish", () -> publisher.publish(source.linked().withIds(ids)));
    } finally {
      Publisher.deleteTree(scratch);
    }
  }

  private static Manifest publishIvf(SparkSession spark, BuildOptions o, Heads heads,
                                     List<JavaPairRDD<Long, float[]>> vectors, long[] ids, Params params,
                                     Publisher publisher, Steps steps) throws IOException {
    List<VectorIndex> indexes = new ArrayList<>();
    try {
      for (int h = 0; h < heads.count(); h++) {
        JavaPairRDD<Long, float[]> head = vectors.get(h);
        int dim = heads.dims()[h];
        indexes.add(steps.time(heads.step("build " + o.kind, h), () -> IvfBuild.build(spark, head, ids.length, dim,
            o.kind, o.metric, params)));
      }
      List<SnapshotSource.ItemHead> itemHeads = new ArrayList<>();
      for (int h = 0; h < heads.count(); h++) {
        itemHeads.add(new SnapshotSource.ItemHead(heads.names().get(h), indexes.get(h)));
      }
      SnapshotSource source = heads.count() == 1 ? SnapshotSource.of(o.model, indexes.getFirst(), params)
          : SnapshotSource.ofHeads(o.model, itemHeads, params);
      return steps.time("publish", () -> publisher.publish(source.withIds(ids)));
    } finally {
      indexes.forEach(VectorIndex::close);
    }
  }

  /** spark-submit entry point: the options of {@link BuildOptions}; exit status 2 for bad input. */
  public static void main(String[] args) {
    System.exit(SparkBuildCommand.execute(args));
  }

  /** Each step's wall time, logged as it ends. */
  static final class Steps {
    final java.util.LinkedHashMap<String, Double> seconds = new java.util.LinkedHashMap<>();

    <T> T time(String step, IoSupplier<T> body) throws IOException {
      long t0 = System.nanoTime();
      T result = body.get();
      double s = (System.nanoTime() - t0) / 1e9;
      seconds.put(step, s);
      LOG.log(System.Logger.Level.INFO, "step {0}: {1} s", step, String.format(java.util.Locale.ROOT, "%.2f", s));
      return result;
    }

    void log() {
      LOG.log(System.Logger.Level.INFO, "steps (s): {0}", seconds);
    }
  }

  @FunctionalInterface
  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** What a build did: the published manifest, the counts and each step's seconds. */
  public record BuildReport(Manifest manifest, long items, long badRows, long unknownCategories,
                            java.util.Map<String, Double> stepSeconds) {}
}

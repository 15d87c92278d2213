package dev.quiver.spark;

import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
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
 * the same index.
 *
 * <p>Steps: (1) read the table and bind its columns to the item features by name; (2) embed each
 * partition in batches, counting and naming the rows that do not fit the model; (3) number the
 * good rows (the item ordinals) and build the index: {@code hnsw} and {@code flat} as shards, one
 * task each; the IVF kinds as {@link IvfBuild} describes; (4) publish. The driver logs each step's
 * time and counts; Spark's UI shows the stages.
 */
public final class SnapshotBuild {
  private static final System.Logger LOG = System.getLogger(SnapshotBuild.class.getName());
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
    int dim;
    FeatureColumns columns;
    List<String> featureNames = new ArrayList<>();
    try (TowerModel model = TowerModel.load(o.model)) {
      dim = checkOneHead(model.item());
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
      Params params = Params.parse(o.build);
      Params recorded = o.userFeatures == null ? params
          : params.with("userFeatures", o.userFeatures.getFileName().toString());
      Publisher publisher = new Publisher(o.root, o.retain, o.version);
      Manifest manifest = o.kind.equals("hnsw") || o.kind.equals("flat")
          ? publishShards(o, vectors, ids, dim, params, recorded, staging, publisher, steps)
          : publishIvf(spark, o, vectors, ids, dim, params, publisher, steps);
      steps.log();
      return new BuildReport(manifest, ids.length, bad, unknown.value(), steps.seconds);
    } finally {
      embedded.unpersist(false);
      staging.delete();
    }
  }

  private static int checkOneHead(Tower tower) {
    if (tower.heads() != 1) {
      throw new IllegalArgumentException("item tower '" + tower.name() + "' has " + tower.heads() + " heads "
          + tower.headNames() + "; the Spark build makes one index (build-snapshot makes one per item head)");
    }
    return tower.dim();
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

  private static Manifest publishShards(BuildOptions o, JavaPairRDD<Long, float[]> vectors,
                                        long[] ids, int dim, Params params, Params recorded, Staging staging,
                                        Publisher publisher, Steps steps) throws IOException {
    float[][] sample = o.userFeatures == null ? null : QuerySample.vectors(o.model, o.userFeatures);
    ShardBuild.Spec spec = new ShardBuild.Spec(o.kind, o.metric, params.toString(), sample, dim);
    List<ShardBuild.Built> built = steps.time("build " + o.shards + " " + o.kind + " shards",
        () -> ShardBuild.run(vectors, ids.length, o.shards, spec, staging));
    LOG.log(System.Logger.Level.INFO, "shards built: {0}", built);
    Path scratch = Files.createTempDirectory("quiver-spark-shards");
    try {
      List<Path> files = staging.fetch(o.shards, scratch);
      return steps.time("publish", () -> publisher.publish(
          SnapshotSource.ofShards(o.model, files, recorded).linked().withIds(ids)));
    } finally {
      Publisher.deleteTree(scratch);
    }
  }

  private static Manifest publishIvf(SparkSession spark, BuildOptions o, JavaPairRDD<Long, float[]> vectors,
                                     long[] ids, int dim, Params params, Publisher publisher, Steps steps)
      throws IOException {
    try (VectorIndex index = steps.time("build " + o.kind, () -> IvfBuild.build(spark, vectors, ids.length, dim,
        o.kind, o.metric, params))) {
      return steps.time("publish", () -> publisher.publish(SnapshotSource.of(o.model, index, params).withIds(ids)));
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

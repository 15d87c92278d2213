package dev.quiver.spark;

import dev.quiver.engine.Metric;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of the Spark snapshot build: those of {@code quiver build-snapshot} plus the item
 * table, its id column, the shard count and the Spark master. Parsed from a command line
 * ({@link #parse}), so a library caller and {@code spark-submit} give the same words.
 */
public final class BuildOptions {
  @Option(names = "--item-features", required = true, paramLabel = "TABLE",
      description = "The item table: Parquet (.parquet), ORC (.orc) or JSON lines (.jsonl, .json), a file or a "
          + "directory of part files, on any file system Spark reads.")
  String itemFeatures;

  @Option(names = "--id-column", defaultValue = "item_id",
      description = "The column of item ids, 64-bit integers (default ${DEFAULT-VALUE}).")
  String idColumn;

  @Option(names = "--ids",
      description = "Item ids instead of the id column: a text file, one integer per line, in the table's row order.")
  Path ids;

  @Option(names = "--model", required = true,
      description = "The model directory (model.json, model.safetensors, ...), copied into the snapshot.")
  Path model;

  @Option(names = "--user-features",
      description = "A sample of user feature rows (.jsonl) whose user-tower vectors shape query-aware HNSW shards.")
  Path userFeatures;

  @Option(names = "--index", defaultValue = "hnsw", description = "Index kind (default ${DEFAULT-VALUE}).")
  String kind;

  @Option(names = "--build", defaultValue = "", description = "Build parameters, k=v,... (e.g. M=16,efConstruction=100).")
  String build;

  @Option(names = "--metric", defaultValue = "ip", converter = MetricConverter.class,
      description = "ip, cosine or l2 (default ${DEFAULT-VALUE}).")
  Metric metric;

  @Option(names = "--shards", defaultValue = "1",
      description = "hnsw and flat: shards built in parallel, one per task (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--max-bad-rows", defaultValue = "0",
      description = "Rows that do not fit the model that may be left out (counted and named; default ${DEFAULT-VALUE}: "
          + "any fails the build).")
  long maxBadRows;

  @Option(names = "--root", required = true,
      description = "The snapshot root: a local or mounted directory, or an hdfs:// (any Hadoop file system) URI.")
  String root;

  @Option(names = "--retain", defaultValue = "3", description = "Versions kept in the root (default ${DEFAULT-VALUE}).")
  int retain;

  @Option(names = "--snapshot-version", defaultValue = "0",
      description = "Version to publish (default: one above the newest in the root).")
  long version;

  @Option(names = "--master",
      description = "The Spark master (local[N], spark://..., yarn); default: what spark-submit configured.")
  String master;

  /** Parses {@code args}; IllegalArgumentException naming the bad word. */
  public static BuildOptions parse(String... args) {
    BuildOptions o = new BuildOptions();
    try {
      new CommandLine(o).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    o.check();
    return o;
  }

  void check() {
    if (shards < 1) {
      throw new IllegalArgumentException("--shards must be at least 1, got " + shards);
    }
    if (shards > 1 && !kind.equals("hnsw") && !kind.equals("flat")) {
      throw new IllegalArgumentException("--shards " + shards + ": only hnsw and flat build in shards; " + kind
          + " is one inverted file");
    }
    if (userFeatures != null && !kind.equals("hnsw")) {
      throw new IllegalArgumentException("--user-features shapes HNSW graphs only; --index is " + kind);
    }
    if (retain < 1) {
      throw new IllegalArgumentException("--retain must keep at least 1 version, got " + retain);
    }
    if (maxBadRows < 0) {
      throw new IllegalArgumentException("--max-bad-rows must be >= 0, got " + maxBadRows);
    }
  }

  static final class MetricConverter implements CommandLine.ITypeConverter<Metric> {
    @Override
    public Metric convert(String value) {
      try {
        return Metric.fromName(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}

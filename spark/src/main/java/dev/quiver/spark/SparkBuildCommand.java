package dev.quiver.spark;

import dev.quiver.serving.snapshot.Manifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code quiver spark-build} and the {@code spark-submit} main class: starts (or joins) a Spark
 * session, runs {@link SnapshotBuild}, prints what it published. Bad input ends with one line
 * naming the bad value, exit status 2.
 */
@Command(name = "spark-build", mixinStandardHelpOptions = true,
    description = {"Build a snapshot on Apache Spark from an item table (Parquet, ORC, JSON lines): the item tower",
        "in the executors, the index as shards (hnsw, flat) or as one inverted file whose lists the executors",
        "assign (ivf-*), published under --root as build-snapshot publishes it."})
public final class SparkBuildCommand implements Callable<Integer> {
  static final int BAD_INPUT = 2;
  /** The JVM flags every executor needs for the kernels (the Vector API); a cluster's own setting wins. */
  static final String EXECUTOR_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

  @Mixin
  BuildOptions options;

  @Option(names = "--verbose", description = "Print the stack trace of an error, and Spark's INFO log.")
  boolean verbose;

  @Spec
  CommandLine.Model.CommandSpec spec;

  /** Runs the command line {@code args}; returns the exit status. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new SparkBuildCommand());
    cl.setExecutionExceptionHandler(SparkBuildCommand::handle);
    return cl.execute(args);
  }

  @Override
  public Integer call() throws IOException {
    options.check();
    SparkSession spark = session(options.master);
    if (!verbose) {
      spark.sparkContext().setLogLevel("WARN");
    }
    try {
      SnapshotBuild.BuildReport r = SnapshotBuild.run(spark, options);
      summary(r, spark.sparkContext().master());
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** A session on {@code master} (or spark-submit's, else every local core), executors given the kernel flags. */
  static SparkSession session(String master) {
    SparkSession.Builder b = SparkSession.builder().appName("quiver spark-build");
    if (master != null) {
      b.master(master);
    } else if (System.getProperty("spark.master") == null) {
      b.master("local[*]");
    }
    if (System.getProperty("spark.executor.extraJavaOptions") == null) {
      b.config("spark.executor.extraJavaOptions", EXECUTOR_FLAGS);
    }
    return b.getOrCreate();
  }

  private void summary(SnapshotBuild.BuildReport r, String master) {
    PrintWriter out = spec.commandLine().getOut();
    Manifest m = r.manifest();
    out.printf("published %s/v-%d: %,d items x %d, %s index in %d shard%s, metric %s, on %s%n", options.root,
        m.version(), m.itemCount(), m.index().dimension(), m.index().kind(), m.shards(), m.shards() == 1 ? "" : "s",
        m.index().metric(), master);
    out.printf("bad rows left out %,d; unknown categories (out-of-vocabulary row) %,d%n", r.badRows(),
        r.unknownCategories());
    StringBuilder steps = new StringBuilder("steps:");
    for (Map.Entry<String, Double> e : r.stepSeconds().entrySet()) {
      steps.append(String.format(java.util.Locale.ROOT, " %s %.1f s,", e.getKey(), e.getValue()));
    }
    out.println(steps.substring(0, steps.length() - 1));
    out.flush();
  }

  /** Spark's messages carry the remote stack trace after their first line. */
  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }

  private static int handle(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    if (cmd.getCommand() instanceof SparkBuildCommand c && c.verbose) {
      ex.printStackTrace(err);
    }
    String prefix = "quiver spark-build: ";
    Throwable cause = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    if (cause instanceof NoSuchFileException e) {
      err.println(prefix + "file not found: " + e.getFile());
      return BAD_INPUT;
    }
    if (cause instanceof IllegalArgumentException || cause instanceof IOException
        || cause instanceof org.apache.spark.sql.AnalysisException) {
      err.println(prefix + firstLine(cause.getMessage()));
      return BAD_INPUT;
    }
    err.println(prefix + "failed: " + firstLine(cause.toString()) + " (--verbose prints the stack trace)");
    return 1;
  }
}

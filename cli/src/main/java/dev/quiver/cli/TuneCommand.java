package dev.quiver.cli;

import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.tools.sweep.GroundTruth;
import dev.quiver.tools.sweep.ResultsCsv;
import dev.quiver.tools.tune.TuneConfig;
import dev.quiver.tools.tune.TuneResult;
import dev.quiver.tools.tune.Tuner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver tune}: the index and settings with the most queries per second at a target recall. */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Find the index kind, build and search parameters with the most queries per second at a",
        "target recall@k, within budgets of p99 latency, index memory and build time. Candidates",
        "(ivf-flat, ivf-sq8 with and without exact rerank, ivf-pq 4-bit with rerank up to 128",
        "dimensions, hnsw f32/sq8, with and without",
        "query-aware links) are built on a sample of the base, the best few on the full base; each",
        "search knob is walked to the smallest value reaching the target on part of the queries,",
        "and the pick is checked on as many others (a third links the query-aware graphs unless",
        "--learn is given). Writes DIR/results.csv (the sweep's columns) and",
        "DIR/choice.txt (--index K --build ... / --search ..., as sweep and build-snapshot take them).",
        "Exit status: 0 when the pick reaches the target within the budgets; 3 when no configuration",
        "does (choice.txt then holds the highest recall found, if any fits the budgets); 2 on bad input."})
final class TuneCommand extends QuiverCommand {
  /** The exit status of a run whose pick misses the target or the budgets. */
  static final int TARGET_NOT_MET = 3;

  @Option(names = "--base", required = true, description = "Items (.fvecs, .bvecs, .npy).")
  Path base;

  @ArgGroup(exclusive = false, multiplicity = "1")
  Queries queries;

  static final class Queries {
    @Option(names = "--query", description = "Queries (.fvecs, .bvecs, .npy).")
    Path query;

    @Option(names = "--user-features", description = "User feature rows (.jsonl), run through --model's user tower as queries.")
    Path userFeatures;

    @Option(names = "--model", description = "The model directory whose user tower embeds --user-features.")
    Path model;
  }

  @Option(names = "--learn", description = {"Query sample (.fvecs) of query-aware HNSW builds (default: a third of the",
      "queries, apart from those tuned and checked on)."})
  Path learn;

  @Option(names = "--gt",
      description = "Exact neighbours of the queries in the base (.ivecs); computed (and cached beside --query) when absent.")
  Path groundTruth;

  @Option(names = "--k", defaultValue = "10", description = "Neighbours per query (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--target-recall", required = true, description = "The recall@k to reach, in (0, 1].")
  double targetRecall;

  @Option(names = "--max-p99-us", defaultValue = "0", description = "Latency budget, p99 per query in us (default: none).")
  double maxP99Us;

  @Option(names = "--memory-mb", defaultValue = "0", description = "Index memory budget in MiB (default: none).")
  double memoryMb;

  @Option(names = "--max-build-s", defaultValue = "0", description = "Build time budget in seconds (default: none).")
  double maxBuildS;

  @Option(names = "--metric", defaultValue = "ip", description = "ip, cosine or l2 (default ${DEFAULT-VALUE}).")
  Metric metric;

  @Option(names = "--kinds", split = ",", description = "Kinds to try (default: ivf-flat,ivf-sq8,ivf-pq,hnsw; ivf-pq up to 128 dimensions).")
  List<String> kinds = new ArrayList<>();

  @Option(names = "--queries", defaultValue = "0", description = "Use the first N queries (default: all).")
  int queryLimit;

  @Option(names = "--sample", defaultValue = "0.1",
      description = "Share of the base the first round builds on (default ${DEFAULT-VALUE}; 1: no first round).")
  double sample;

  @Option(names = "--survivors", defaultValue = "3",
      description = "Configurations of the first round built on the full base (default ${DEFAULT-VALUE}).")
  int survivors;

  @Option(names = "--threads", defaultValue = "1", description = "Search threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--build-threads", description = "Build threads (default: all cores).")
  Integer buildThreads;

  @Option(names = "--warmup-s", defaultValue = "1",
      description = "Seconds of searching before each index's first measurement (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the sample and the query split (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", required = true, description = "Output directory (results.csv, choice.txt).")
  Path out;

  @Override
  public Integer call() throws Exception {
    TuneConfig config = new TuneConfig(metric, k, targetRecall, maxP99Us, Math.round(memoryMb * 1048576), maxBuildS,
        kinds, sample, survivors, threads, buildThreads != null ? buildThreads : cores(), warmupSeconds, seed, out,
        learn == null ? null : requireFile("learn", learn));
    requireFile("base", base);
    try (VectorStore items = VectorFiles.readFloats(base)) {
      float[][] q = queries(items.dimension());
      int[][] gt = groundTruth(items, q);
      TuneResult result = Tuner.run(config, items, q, gt, base.getFileName().toString(), queryName(), out());
      Files.createDirectories(out);
      ResultsCsv.write(out.resolve("results.csv"), result.rows());
      if (result.choice() != null) {
        result.writeChoice(out.resolve(TuneResult.CHOICE));
      }
      Tuner.report(result, out());
      out().printf("wrote %s%s%n", out.resolve("results.csv"),
          result.choice() != null ? ", " + out.resolve(TuneResult.CHOICE) : "");
      return result.met() ? 0 : TARGET_NOT_MET;
    }
  }

  /**
   * The exact neighbours of every query: the given file, else (query files only) computed and
   * cached beside the queries as the sweep caches them, else null for the tuner to compute.
   */
  private int[][] groundTruth(VectorStore items, float[][] q) throws IOException {
    if (groundTruth != null) {
      return GroundTruth.read(requireFile("ground truth", groundTruth), q.length, k, items.size());
    }
    if (queries.query == null) {
      return null;
    }
    out().println("exact neighbours of the queries (cached beside them)...");
    out().flush();
    return GroundTruth.cachedOrCompute(base, queries.query, items, q, metric, k,
        buildThreads != null ? buildThreads : cores(), false);
  }

  /** The query vectors: the file's rows, or the user tower's vectors of the feature rows. */
  private float[][] queries(int dimension) throws IOException {
    float[][] q;
    String source;
    if (queries.query != null) {
      if (queries.userFeatures != null || queries.model != null) {
        throw new IllegalArgumentException("give --query or --user-features with --model, not both");
      }
      source = "query file " + requireFile("query", queries.query);
      try (VectorStore store = VectorFiles.readFloats(queries.query)) {
        q = new float[store.size()][];
        for (int i = 0; i < q.length; i++) {
          q[i] = store.get(i);
        }
      }
    } else {
      if (queries.userFeatures == null || queries.model == null) {
        throw new IllegalArgumentException("--user-features and --model go together");
      }
      source = "user tower of " + queries.model;
      q = UserSample.vectors(requireFile("user features", queries.userFeatures), queries.model);
    }
    if (q.length > 0 && q[0].length != dimension) {
      throw new IllegalArgumentException(source + " gives vectors of dimension " + q[0].length + ", base file " + base
          + " has " + dimension);
    }
    if (queryLimit < 0 || queryLimit > q.length) {
      throw new IllegalArgumentException("--queries " + queryLimit + ", but " + source + " gives " + q.length);
    }
    return queryLimit == 0 ? q : java.util.Arrays.copyOf(q, queryLimit);
  }

  private String queryName() {
    return queries.query != null ? queries.query.getFileName().toString()
        : queries.userFeatures.getFileName().toString();
  }

  private static Path requireFile(String what, Path path) {
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(what + " file not found: " + path);
    }
    return path;
  }
}

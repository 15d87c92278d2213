package dev.quiver.bench.cli;

import dev.quiver.cli.QuiverCommand;
import dev.quiver.bench.sweep.Sweep;
import dev.quiver.bench.sweep.SweepConfig;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver sweep}: recall against throughput and latency, one row per search setting. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Build an index, search it at each setting and measure recall@k, QPS and latency",
        "(HdrHistogram p50/p99), optionally with FAISS and hnswlib on the same files.",
        "Writes DIR/results.csv, DIR/plot.png and DIR/plot.svg (recall vs QPS, log scale)."})
public final class SweepCommand extends QuiverCommand {
  @Option(names = "--index", required = true, description = "Index kind, e.g. flat.")
  String kind;

  @Option(names = "--metric", defaultValue = "ip", description = "ip, cosine or l2 (default ${DEFAULT-VALUE}).")
  Metric metric;

  @Option(names = "--base", required = true, description = "Items (.fvecs, .bvecs, .npy).")
  Path base;

  @Option(names = "--query", required = true, description = "Queries (.fvecs, .bvecs, .npy).")
  Path query;

  @Option(names = "--gt", description = "Exact neighbours (.ivecs); computed and cached beside the queries when absent.")
  Path groundTruth;

  @Option(names = "--k", defaultValue = "10", description = "Neighbours per query (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--queries", defaultValue = "0", description = "Use the first N queries (default: all).")
  int queries;

  @Option(names = "--threads", defaultValue = "1", description = "Search threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--build-threads", defaultValue = "0",
      description = "Build threads, for Quiver and the peers alike (default: as many as --threads).")
  int buildThreads;

  @Option(names = "--batch", defaultValue = "0",
      description = "Queries per searchBatch call (default: one query per search call).")
  int batch;

  @Option(names = "--build", defaultValue = "", description = "Build parameters, k=v,... (e.g. M=16,efConstruction=200).")
  String build;

  @Option(names = "--search", defaultValue = "",
      description = "Search settings, one row each: \"k=v,...;k=v,...\" (e.g. \"efSearch=20;efSearch=40\").")
  String search;

  @Option(names = "--learn", description = "Training queries (.fvecs) for query-aware builds.")
  Path learn;

  @Option(names = "--peers", split = ",", description = "Also run these on the same files: faiss, hnswlib, lucene.")
  List<String> peers = new ArrayList<>();

  @Option(names = "--filter-fraction", split = ",",
      description = {"Also search with a filter allowing this share of the base rows, per value (e.g. 0.9,0.5,0.1,0.01):",
          "a seeded pseudo-random set, given to the peers too; recall is against the exact top k of the allowed rows."})
  List<Double> filterFractions = new ArrayList<>();

  @Option(names = "--out", defaultValue = "sweep-out", description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--warmup-s", defaultValue = "10",
      description = "Seconds of searching before measuring, for the JIT (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--index-file",
      description = "Keep the index in this file: opened when it exists, else built and written there.")
  Path indexFile;

  @Option(names = "--no-progress", description = "No progress bars.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    SweepConfig config = new SweepConfig(kind, metric, base, query, groundTruth, k, queries, threads, buildThreads, batch,
        Params.parse(build), SweepConfig.parseSearch(search), learn, peers, out, warmupSeconds, !noProgress,
        filterFractions);
    Sweep.run(config, out(), indexFile);
    return 0;
  }
}

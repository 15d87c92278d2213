package dev.quiver.cli;

import dev.quiver.bench.data.DatasetSpec;
import dev.quiver.bench.data.TwoTowerDataset;
import dev.quiver.bench.sweep.Measurement;
import dev.quiver.bench.sweep.QueryRunner;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.simd.VectorKernels;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver demo}: the engine end to end in well under a minute. Generates a two-tower-shaped
 * catalogue and user queries in memory, builds the exact index, runs the queries one at a time
 * and in batches on all cores, and prints recall@k against an independent double-precision
 * brute force together with latency and throughput.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generate a two-tower-shaped catalogue, search it exactly, print recall and latency.")
final class DemoCommand extends QuiverCommand {
  private static final String ROW = "%-36s %9s %10s %11s %9s %9s%n";

  @Option(names = "--n", defaultValue = "200000", description = "Items (default ${DEFAULT-VALUE}).")
  int n;

  @Option(names = "--dim", defaultValue = "64", description = "Dimension (default ${DEFAULT-VALUE}).")
  int dimension;

  @Option(names = "--queries", defaultValue = "1000", description = "User queries (default ${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--k", defaultValue = "10", description = "Neighbours per query (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--batch", defaultValue = "250", description = "Queries per batch (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--reference", defaultValue = "200",
      description = "Queries checked against the double-precision reference (default ${DEFAULT-VALUE},"
          + " at most --queries).")
  int referenceQueries;

  @Option(names = "--warmup-s", defaultValue = "3", description = "Warm-up seconds per mode (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    referenceQueries = Math.min(referenceQueries, queries);
    if (referenceQueries <= 0) {
      throw new IllegalArgumentException("--reference must be positive, got " + referenceQueries);
    }
    int cores = cores();
    long t0 = System.nanoTime();
    DatasetSpec spec = DatasetSpec.defaults(n, dimension, queries, 0, 0, seed);
    TwoTowerDataset data = TwoTowerDataset.generate(spec, cores, false);
    out().printf(Locale.ROOT, "data       %,d items x %d (intrinsic dimension %d, %d clusters), %,d user queries;"
        + " generated in %.1f s%n", n, dimension, spec.latentDimension(), spec.clusters(), queries, seconds(t0));

    t0 = System.nanoTime();
    VectorIndex index;
    try (VectorStore store = VectorStore.allocate(dimension, n)) {
      for (float[] row : data.base()) {
        store.add(row);
      }
      index = IndexFormats.forKind("flat").build(store, null, Metric.INNER_PRODUCT, Params.DEFAULT, cores);
    }
    try (index) {
      out().printf(Locale.ROOT, "index      flat, inner product, %.1f MiB, built in %.2f s; %s kernels%n",
          index.byteSize() / 1048576.0, seconds(t0), VectorKernels.provider().name());
      t0 = System.nanoTime();
      ExactReference reference = ExactReference.compute(data.base(), data.userQueries(), referenceQueries, k, cores);
      out().printf(Locale.ROOT, "reference  exact top-%d in double precision for the first %d queries, %.1f s%n%n", k,
          referenceQueries, seconds(t0));
      out().printf(Locale.ROOT, ROW, "mode", "queries", "recall@" + k, "qps", "p50 us", "p99 us");
      run(index, data.userQueries(), reference, 1, 0, "one query per call, 1 thread");
      int perBatch = Math.min(batch, queries);
      run(index, data.userQueries(), reference, cores, perBatch, "batches of " + perBatch + " on " + cores + " threads");
    }
    return 0;
  }

  private void run(VectorIndex index, float[][] userQueries, ExactReference reference, int threads, int batchSize,
                   String mode) {
    try (QueryRunner runner = new QueryRunner(index, userQueries, k, threads, batchSize)) {
      runner.warmUp(Params.DEFAULT, warmupSeconds);
      Measurement m = runner.measure(Params.DEFAULT);
      ExactReference.Agreement a = reference.agreement(m.ids());
      out().printf(Locale.ROOT, ROW, mode, String.format(Locale.ROOT, "%,d", userQueries.length),
          String.format(Locale.ROOT, "%.4f", a.recall()), String.format(Locale.ROOT, "%,.0f", m.qps()),
          String.format(Locale.ROOT, "%.1f", m.p50Micros()), String.format(Locale.ROOT, "%.1f", m.p99Micros()));
      if (a.misses() > 0) {
        out().printf(Locale.ROOT, "  %d of %d missed neighbours are float ties: their exact score is within %.0e of"
            + " the item returned instead%n", a.ties(), a.misses(), ExactReference.TIE);
      }
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}

package dev.quiver.bench.sweep;

import dev.quiver.bench.peers.AllowedSet;
import dev.quiver.bench.peers.Peer;
import dev.quiver.bench.peers.PeerRequest;
import dev.quiver.bench.peers.PeerResult;
import dev.quiver.bench.peers.Peers;
import dev.quiver.bench.plot.RecallQpsPlot;
import dev.quiver.engine.IndexFormat;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.Recall;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.simd.VectorKernels;
import dev.quiver.tools.sweep.GroundTruth;
import dev.quiver.tools.sweep.Measurement;
import dev.quiver.tools.sweep.QueryRunner;
import dev.quiver.tools.sweep.ResultTable;
import dev.quiver.tools.sweep.ResultsCsv;
import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.HdrHistogram.Histogram;

/**
 * The recall-vs-latency sweep: builds one index kind over a base file, searches it at every
 * setting after a warm-up, runs the same files through the requested peers, scores everyone
 * against the same exact ground truth, and writes {@code results.csv}, {@code plot.png} and
 * {@code plot.svg} into the output directory.
 */
public final class Sweep {
  public static final String RESULTS = "results.csv";
  public static final String PLOT_PNG = "plot.png";
  public static final String PLOT_SVG = "plot.svg";

  private final SweepConfig c;
  private final PrintWriter log;
  private final Path indexFile;

  private Sweep(SweepConfig config, PrintWriter log, Path indexFile) {
    this.c = config;
    this.log = log;
    this.indexFile = indexFile;
  }

  /** Runs the sweep, printing progress and the table to {@code log}; returns its rows. */
  public static List<SweepRow> run(SweepConfig config, PrintWriter log) throws IOException {
    return run(config, log, null);
  }

  /**
   * As {@link #run(SweepConfig, PrintWriter)}, the index kept in {@code indexFile}: opened from it
   * when it exists (the build time is then reported as 0), else built and written there. Compares
   * searching in the JVM that built an index with searching in a fresh one.
   */
  public static List<SweepRow> run(SweepConfig config, PrintWriter log, Path indexFile) throws IOException {
    return new Sweep(config, log, indexFile).run();
  }

  /** A failed sweep leaves no output directory behind if it created it. */
  private List<SweepRow> run() throws IOException {
    boolean created = !Files.exists(c.out());
    try {
      return measure();
    } catch (IOException | RuntimeException e) {
      if (created && Files.exists(c.out())) {
        try (var walk = Files.walk(c.out())) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
      throw e;
    }
  }

  private List<SweepRow> measure() throws IOException {
    requireFile("base", c.base());
    requireFile("query", c.query());
    if (c.groundTruth() != null) {
      requireFile("ground truth", c.groundTruth());
    }
    IndexFormat format = IndexFormats.forKind(c.kind());
    List<Peer> peers = c.peers().stream().map(Peers::forName).toList();
    Files.createDirectories(c.out());

    List<SweepRow> rows = new ArrayList<>();
    float[][] queries;
    int[][] gt;
    List<Filter> filters;
    try (VectorStore base = VectorFiles.readFloats(c.base())) {
      queries = readQueries(base.dimension());
      checkLearn(base.dimension());
      log.printf("base %s: %,d x %d; queries %s: %,d; metric %s, k %d, %s; %s kernels%n", c.base(), base.size(),
          base.dimension(), c.query(), queries.length, c.metric().shortName(), c.k(), mode(),
          VectorKernels.provider().name());
      // Built before the ground truth is computed so that bad build parameters fail at once.
      Params build = c.indexBuildParams();
      long t0 = System.nanoTime();
      boolean reuse = indexFile != null && Files.exists(indexFile);
      VectorIndex index = reuse ? IndexFormats.open(indexFile)
          : format.build(base, null, c.metric(), build, c.buildThreads());
      double buildSeconds = reuse ? 0 : (System.nanoTime() - t0) / 1e9;
      try (index) {
        if (reuse) {
          log.printf("opened %s from %s, %,d bytes%n", index.kind(), indexFile, index.byteSize());
        } else {
          log.printf("built %s (%s) in %.2f s on %d thread(s), %,d bytes%n", c.kind(),
              build.toString().isEmpty() ? "defaults" : build, buildSeconds, c.buildThreads(), index.byteSize());
        }
        if (indexFile != null && !reuse) {
          index.write(indexFile);
        }
        gt = groundTruth(base, queries);
        filters = filters(base, queries);
        ours(index, build, buildSeconds, queries, gt, filters, rows);
      }
    }
    for (Peer peer : peers) {
      peer(peer, queries.length, gt, filters, rows);
    }
    log.println();
    log.print(ResultTable.format(rows));
    ResultsCsv.write(c.out().resolve(RESULTS), rows);
    RecallQpsPlot.write(rows, title(), c.out().resolve(PLOT_PNG), c.out().resolve(PLOT_SVG));
    log.printf("wrote %s, %s, %s%n", c.out().resolve(RESULTS), c.out().resolve(PLOT_PNG), c.out().resolve(PLOT_SVG));
    return rows;
  }

  private int[][] groundTruth(VectorStore base, float[][] queries) throws IOException {
    if (c.groundTruth() != null) {
      return GroundTruth.read(c.groundTruth(), queries.length, c.k(), base.size());
    }
    return GroundTruth.cachedOrCompute(c.base(), c.query(), base, queries, c.metric(), c.k(), c.threads(),
        c.progress());
  }

  /**
   * One filter of a filtered sweep: the rows it allows, in the form our index takes and in the
   * file the peers read, and the exact neighbours among those rows.
   */
  private record Filter(String label, OrdinalFilter filter, AllowedSet file, int[][] gt) {}

  private List<Filter> filters(VectorStore base, float[][] queries) throws IOException {
    List<Filter> filters = new ArrayList<>();
    for (double fraction : c.filterFractions()) {
      String label = FilterSets.label(fraction);
      BitSet allowed = FilterSets.allowed(base.size(), fraction);
      Path file = c.out().resolve("filters").resolve("allowed-" + label + ".bin");
      FilterSets.write(allowed, base.size(), file);
      OrdinalFilter filter = OrdinalFilter.allowing(allowed);
      log.printf("filter %s: %,d of %,d rows allowed; exact neighbours among them%n", label, allowed.cardinality(),
          base.size());
      int[][] gt = GroundTruth.compute(base, queries, c.metric(), c.k(), c.threads(), c.progress(), allowed);
      filters.add(new Filter(label, filter, new AllowedSet(label, file), gt));
    }
    return filters;
  }

  private void ours(VectorIndex index, Params build, double buildSeconds, float[][] queries, int[][] gt,
                    List<Filter> filters, List<SweepRow> rows) {
    try (QueryRunner runner = new QueryRunner(index, queries, c.k(), c.threads(), c.batch())) {
      ours(runner, "quiver-" + c.kind(), build, buildSeconds, index.byteSize(), queries.length, gt, rows);
      for (Filter f : filters) {
        runner.filter(f.filter());
        ours(runner, "quiver-" + c.kind() + " filter=" + f.label(), build, buildSeconds, index.byteSize(),
            queries.length, f.gt(), rows);
      }
    }
  }

  /** Warms {@code runner} up with its current filter, then measures every setting. */
  private void ours(QueryRunner runner, String name, Params build, double buildSeconds, long bytes, int queryCount,
                    int[][] gt, List<SweepRow> rows) {
    log.printf("%s: warming up for %.0f s%n", name, c.warmupSeconds());
    runner.warmUp(c.search().getFirst(), c.warmupSeconds());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (Params setting : c.search()) {
      long cpu0 = threads.getCurrentThreadCpuTime();
      Measurement m = runner.measure(setting);
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      SweepRow row = row(name, build.toString(), setting.toString(),
          Recall.atK(gt, m.ids(), c.k()), m.qps(), m.p50Micros(), m.p99Micros(), buildSeconds, bytes, queryCount);
      rows.add(row);
      log.println(ResultTable.line(row));
      if (c.threads() == 1 && c.batch() == 0) {
        // One thread searches on the calling thread: its CPU time per query is the latency
        // without the time spent descheduled, steadier than p50 on a loaded machine.
        log.printf("  %s: search thread CPU %.1f us per query%n", setting, cpu / 1e3 / queryCount);
      }
    }
  }

  private void peer(Peer peer, int queryCount, int[][] gt, List<Filter> filters, List<SweepRow> rows)
      throws IOException {
    Optional<String> missing = peer.unavailable();
    if (missing.isPresent()) {
      log.println(peer.name() + ": skipped, " + missing.get());
      return;
    }
    PeerRequest request = new PeerRequest(c.kind(), c.metric(), c.base(), c.query(), c.k(), queryCount, c.threads(),
        c.buildThreads(), c.batch(), c.build(), c.search(), c.warmupSeconds(), c.out().resolve("peers").resolve(peer.name()),
        filters.stream().map(Filter::file).toList());
    List<PeerResult> results;
    try {
      results = peer.run(request, line -> log.println("  [" + peer.name() + "] " + line));
    } catch (IOException e) {
      log.println(e.getMessage());
      return;
    }
    for (PeerResult r : results) {
      Histogram latencies = r.readLatencies();
      String name = r.index();
      int[][] truth = gt;
      if (!r.filter().isEmpty()) {
        Filter f = filters.stream().filter(x -> x.label().equals(r.filter())).findFirst()
            .orElseThrow(() -> new IOException(peer.name() + " peer reported unknown filter '" + r.filter() + "'"));
        name = name + " filter=" + f.label();
        truth = f.gt();
      }
      SweepRow row = row(name, r.buildParams(), r.searchParams(), Recall.atK(truth, r.readIds(), c.k()),
          r.queries() / r.wallSeconds(), latencies.getValueAtPercentile(50) / 1e3,
          latencies.getValueAtPercentile(99) / 1e3, r.buildSeconds(), r.indexBytes(), r.queries());
      rows.add(row);
      log.println(ResultTable.line(row));
    }
  }

  private SweepRow row(String index, String build, String search, double recall, double qps, double p50, double p99,
                       double buildSeconds, long bytes, int queries) {
    return new SweepRow(index, build, search, c.k(), recall, qps, p50, p99, buildSeconds, bytes, c.threads(),
        c.batch(), queries, c.metric().shortName(), c.base().getFileName().toString(),
        c.query().getFileName().toString(), c.buildThreads());
  }

  private float[][] readQueries(int dimension) throws IOException {
    try (VectorStore store = VectorFiles.readFloats(c.query(), c.queries() == 0 ? Integer.MAX_VALUE : c.queries())) {
      if (store.dimension() != dimension) {
        throw new IllegalArgumentException("query file " + c.query() + " has dimension " + store.dimension()
            + ", base file " + c.base() + " has " + dimension);
      }
      if (c.queries() > store.size()) {
        throw new IllegalArgumentException("--queries " + c.queries() + ", but query file " + c.query() + " holds "
            + store.size() + " rows");
      }
      float[][] queries = new float[store.size()][];
      for (int i = 0; i < queries.length; i++) {
        queries[i] = store.get(i);
      }
      return queries;
    }
  }

  /** The learn set goes to the build as {@code learn=PATH}; checked here so that a bad file fails early. */
  private void checkLearn(int dimension) throws IOException {
    if (c.learn() == null) {
      return;
    }
    requireFile("learn", c.learn());
    int learnDimension = VectorFiles.dimension(c.learn());
    if (learnDimension != dimension) {
      throw new IllegalArgumentException("learn file " + c.learn() + " has dimension " + learnDimension
          + ", base file " + c.base() + " has " + dimension);
    }
    log.printf("learn set %s: %,d x %d%n", c.learn(), VectorFiles.rows(c.learn()), learnDimension);
  }

  private String mode() {
    if (c.batch() > 0) {
      return "batches of " + c.batch() + " on " + c.threads() + " thread(s)";
    }
    return c.threads() == 1 ? "one query per call on 1 thread" : "one query per call on " + c.threads() + " threads";
  }

  private String title() {
    return "recall@" + c.k() + " vs QPS - " + c.base().getFileName() + " / " + c.query().getFileName() + ", "
        + c.metric().shortName() + ", " + mode();
  }

  private static void requireFile(String what, Path path) {
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(what + " file not found: " + path);
    }
  }
}

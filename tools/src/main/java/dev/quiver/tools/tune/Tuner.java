package dev.quiver.tools.tune;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Params;
import dev.quiver.engine.Recall;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.tools.sweep.GroundTruth;
import dev.quiver.tools.sweep.Measurement;
import dev.quiver.tools.sweep.QueryRunner;
import dev.quiver.tools.sweep.ResultTable;
import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finds the index configuration with the most queries per second at a target recall@k, within
 * budgets of p99 latency, index memory and build time.
 *
 * <p>The queries are split at random into a tuning half and a held-out half (with a third
 * apart as the sample of query-aware builds when none is given, {@link QuerySplit}). Every candidate
 * ({@link Candidate#of}) is first built on a random subsample of the base and its search knob
 * walked ({@link Ladder}) to the smallest value reaching the target on the tuning queries,
 * against the subsample's own exact neighbours; the best few go on to the full base, where the
 * same walk picks the winner. The winner is then measured on the held-out queries, which no choice
 * was made on. Every measured point is a row of the sweep's results.
 */
public final class Tuner {
  /** A subsample smaller than this says too little about the full base; the first round is skipped. */
  static final int MIN_SAMPLE = 1000;
  private static final String LEARN_FILE = "learn.fvecs";
  private static final int EXTRA_PASSES = 2;

  private final TuneConfig c;
  private final PrintWriter log;
  private final String baseName;
  private final String queryName;
  private final List<SweepRow> rows = new ArrayList<>();
  /** Candidates the first round left out for a budget, named when nothing at all fits. */
  private final List<Outcome> leftOutEarly = new ArrayList<>();

  private Tuner(TuneConfig config, PrintWriter log, String baseName, String queryName) {
    this.c = config;
    this.log = log;
    this.baseName = baseName;
    this.queryName = queryName;
  }

  /**
   * Tunes over {@code base} with {@code queries}; {@code groundTruth} holds the exact neighbours
   * of every query in the full base (null: computed here). The names label the rows.
   */
  public static TuneResult run(TuneConfig config, VectorStore base, float[][] queries, int[][] groundTruth,
                               String baseName, String queryName, PrintWriter log) throws IOException {
    int least = config.learnsFromQueries() ? 3 : 2;
    if (queries.length < least) {
      throw new IllegalArgumentException("tuning needs at least " + least + " queries (to tune on, to check on"
          + (least == 3 ? ", to link query-aware graphs with" : "") + "), got " + queries.length);
    }
    return new Tuner(config, log, baseName, queryName).tune(base, queries, groundTruth);
  }

  private TuneResult tune(VectorStore base, float[][] queries, int[][] groundTruth) throws IOException {
    QuerySplit split = QuerySplit.of(queries.length, c.seed(), c.learnsFromQueries());
    float[][] tuneQ = split.tuning(queries);
    Path learn = c.learn() != null ? c.learn() : writeLearn(split.learn(queries));
    List<Candidate> candidates = Candidate.of(c.kinds(), base.dimension(), c.k());
    log.printf("tuning for recall@%d >= %s over %,d x %d: %d candidates, %d tuning and %d held-out queries%s%n",
        c.k(), c.targetRecall(), base.size(), base.dimension(), candidates.size(), tuneQ.length,
        split.heldOut().length, split.learn().length == 0 ? "" : ", " + split.learn().length + " to link graphs with");
    List<Candidate> finalists = firstRound(base, tuneQ, candidates, learn);
    int[][] gt = groundTruth != null ? groundTruth
        : GroundTruth.compute(base, queries, c.metric(), c.k(), c.buildThreads(), false);
    log.printf("full base: %d configuration(s)%n", finalists.size());
    Trial best = null;
    List<Outcome> outcomes = new ArrayList<>();
    for (Candidate candidate : finalists) {
      Trial t = trial(candidate, base, tuneQ, split.tuning(gt), learn, baseName, base.size());
      outcomes.add(t.outcome);
      if (best == null || Outcome.BEST_FIRST.compare(t.outcome, best.outcome) < 0) {
        closeQuietly(best);
        best = t;
      } else {
        t.close();
      }
    }
    List<SweepRow> fullRows = rows.stream().filter(r -> r.base().equals(baseName)).toList();
    try (Trial chosen = best) {
      if (chosen == null || chosen.outcome.row() == null) {
        return new TuneResult(List.copyOf(rows), TuneResult.paretoFront(fullRows), null, null,
            "no configuration keeps within the budgets: " + exclusions(leftOutEarly, outcomes));
      }
      SweepRow heldOut = heldOut(chosen, split.heldOut(queries), split.heldOut(gt));
      return new TuneResult(List.copyOf(rows), TuneResult.paretoFront(fullRows), chosen.outcome, heldOut,
          why(chosen.outcome, outcomes));
    }
  }

  /** The candidates worth building on the full base: all of them when there is no first round. */
  private List<Candidate> firstRound(VectorStore base, float[][] tuneQ, List<Candidate> candidates, Path learn) {
    int sampleSize = (int) Math.round(base.size() * c.sampleFraction());
    if (c.sampleFraction() >= 1 || sampleSize < MIN_SAMPLE || candidates.size() <= c.survivors()) {
      return candidates;
    }
    String sampleName = baseName + "[sample " + sampleSize + "]";
    List<Outcome> outcomes = new ArrayList<>();
    try (VectorStore sample = Subsample.of(base, sampleSize, c.seed())) {
      log.printf("first round on a %,d-row sample of the base%n", sampleSize);
      int[][] gt = GroundTruth.compute(sample, tuneQ, c.metric(), c.k(), c.buildThreads(), false);
      for (Candidate candidate : candidates) {
        try (Trial t = trial(candidate, sample, tuneQ, gt, learn, sampleName, base.size())) {
          outcomes.add(t.outcome);
        }
      }
    }
    outcomes.stream().filter(o -> o.row() == null).forEach(leftOutEarly::add);
    List<Candidate> finalists = outcomes.stream().filter(o -> o.row() != null).sorted(Outcome.BEST_FIRST)
        .limit(c.survivors()).map(Outcome::candidate).toList();
    log.printf("kept for the full base: %s%n", String.join("; ", finalists.stream().map(Candidate::label).toList()));
    return finalists;
  }

  /**
   * Builds one candidate over {@code base} and walks its knob to the target on {@code queries}.
   * On a subsample ({@code fullSize} above its size) the memory budget is checked against the
   * index scaled to the full base; latency and build time only on the full base, where they mean
   * what they will in service.
   */
  private Trial trial(Candidate candidate, VectorStore base, float[][] queries, int[][] gt, Path learn,
                      String name, int fullSize) {
    Params build = candidate.build(base.size(), learn);
    long t0 = System.nanoTime();
    VectorIndex index = IndexFormats.forKind(candidate.kind()).build(base, null, c.metric(), build, c.buildThreads());
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    boolean full = fullSize == base.size();
    long bytes = full ? index.byteSize() : Math.round((double) index.byteSize() * fullSize / base.size());
    String excluded = !c.bytesFit(bytes) ? String.format("index %.1f MiB%s over the memory budget",
        bytes / 1048576.0, full ? "" : " (scaled to the full base)")
        : full && !c.buildFits(buildSeconds) ? String.format("build %.1f s over the build-time budget", buildSeconds)
        : null;
    log.printf("  %s: built in %.1f s, %.1f MiB%n", candidate.label(), buildSeconds, index.byteSize() / 1048576.0);
    if (excluded != null) {
      log.printf("    left out: %s%n", excluded);
      return new Trial(index, new Outcome(candidate, build, null, null, false, excluded));
    }
    Map<Integer, SweepRow> measured = new HashMap<>();
    try (QueryRunner runner = new QueryRunner(index, queries, c.k(), c.threads(), 0)) {
      int start = candidate.startKnob(base.size(), c.k());
      runner.warmUp(candidate.search(start), c.warmupSeconds());
      int value = Ladder.smallestMeeting(start, candidate.minKnob(c.k()), candidate.maxKnob(base.size(), c.k()),
          c.targetRecall(), v -> measured.computeIfAbsent(v, x -> point(runner, candidate, build, x, gt, buildSeconds,
              index.byteSize(), name)).recall());
      SweepRow row = steadiest(runner, measured.get(value), gt);
      boolean reached = row.recall() >= c.targetRecall();
      String slow = full && reached && !c.p99Fits(row.p99Us())
          ? String.format("p99 %.0f us at the target recall, over the latency budget", row.p99Us()) : null;
      log.printf("    %s=%d: recall %.4f, %,.0f qps, p99 %.0f us (%d settings measured)%s%n", candidate.knob(), value,
          row.recall(), row.qps(), row.p99Us(), measured.size(), reached ? "" : ", below the target at the widest");
      if (slow != null) {
        log.printf("    left out: %s%n", slow);
      }
      return new Trial(index, new Outcome(candidate, build, candidate.search(value), row, reached, slow));
    }
  }

  /** One timed pass at knob {@code value}, recorded as a row. */
  private SweepRow point(QueryRunner runner, Candidate candidate, Params build, int value, int[][] gt,
                         double buildSeconds, long bytes, String name) {
    Params search = candidate.search(value);
    Measurement m = runner.measure(search);
    SweepRow row = row(candidate.kind(), build, search, Recall.atK(gt, m.ids(), c.k()), m, buildSeconds, bytes,
        name, queryName + "[tune]");
    rows.add(row);
    return row;
  }

  /**
   * The pick of a walk measured twice more and its fastest pass kept (in place of its row): on a
   * shared machine one pass can lose the CPU, and the comparison between candidates rests on it.
   */
  private SweepRow steadiest(QueryRunner runner, SweepRow first, int[][] gt) {
    SweepRow best = first;
    Params search = Params.parse(first.searchParams());
    for (int i = 0; i < EXTRA_PASSES; i++) {
      Measurement m = runner.measure(search);
      if (m.qps() > best.qps()) {
        best = new SweepRow(first.index(), first.buildParams(), first.searchParams(), first.k(),
            Recall.atK(gt, m.ids(), c.k()), m.qps(), m.p50Micros(), m.p99Micros(), first.buildSeconds(),
            first.indexBytes(), first.threads(), first.batch(), first.queries(), first.metric(), first.base(),
            first.query(), first.buildThreads());
      }
    }
    rows.set(rows.indexOf(first), best);
    return best;
  }

  private SweepRow heldOut(Trial chosen, float[][] queries, int[][] gt) {
    Outcome o = chosen.outcome;
    try (QueryRunner runner = new QueryRunner(chosen.index, queries, c.k(), c.threads(), 0)) {
      runner.warmUp(o.search(), c.warmupSeconds());
      Measurement m = runner.measure(o.search());
      SweepRow row = row(o.candidate().kind(), o.build(), o.search(), Recall.atK(gt, m.ids(), c.k()), m,
          o.row().buildSeconds(), o.row().indexBytes(), baseName, queryName + "[held-out]");
      rows.add(row);
      return row;
    }
  }

  private SweepRow row(String kind, Params build, Params search, double recall, Measurement m, double buildSeconds,
                       long bytes, String base, String query) {
    return new SweepRow("quiver-" + kind, build.toString(), search.toString(), c.k(), recall, m.qps(), m.p50Micros(),
        m.p99Micros(), buildSeconds, bytes, c.threads(), 0, m.ids().length, c.metric().shortName(), base, query,
        c.buildThreads());
  }

  /** The pick's one-line reason, against the runner-up when there is one. */
  private String why(Outcome pick, List<Outcome> outcomes) {
    long meeting = outcomes.stream().filter(Outcome::meets).count();
    if (!pick.meets()) {
      return String.format("no configuration reaches recall %s within the budgets; %s has the highest recall, %.4f%s",
          c.targetRecall(), pick.describe(), pick.row().recall(), pick.excluded() == null ? "" : " (" + pick.excluded() + ")");
    }
    String runnerUp = outcomes.stream().filter(o -> o != pick && o.meets()).sorted(Outcome.BEST_FIRST).findFirst()
        .map(o -> String.format("; next best %s at %,.0f qps", o.describe(), o.row().qps())).orElse("");
    return String.format("the most queries per second (%,.0f) at recall >= %s of the %d configuration(s) that reach it"
        + " within the budgets%s", pick.row().qps(), c.targetRecall(), meeting, runnerUp);
  }

  private static String exclusions(List<Outcome> early, List<Outcome> full) {
    return String.join("; ", Stream.concat(early.stream(), full.stream())
        .map(o -> o.candidate().label() + ": " + o.excluded()).toList());
  }

  /** The learn part of the queries as the sample of query-aware HNSW builds; null when none are tried. */
  private Path writeLearn(float[][] sample) throws IOException {
    if (sample.length == 0) {
      return null;
    }
    Files.createDirectories(c.workDir());
    Path learn = c.workDir().resolve(LEARN_FILE);
    VectorFiles.writeFloats(learn, sample);
    return learn;
  }

  /** Prints the table of every measured row, the Pareto front and the pick. */
  public static void report(TuneResult result, PrintWriter out) {
    out.println();
    out.print(ResultTable.format(result.rows()));
    out.println();
    out.println("Pareto front (full base, tuning queries), recall vs qps:");
    out.print(ResultTable.format(result.front()));
    out.println();
    if (result.choice() == null) {
      out.println("NO CHOICE: " + result.why());
      return;
    }
    SweepRow h = result.heldOut();
    out.printf("%s %s%n", result.met() ? "choice:" : "TARGET NOT MET, best effort:", String.join("  ",
        result.choiceLines()));
    out.printf("why: %s%n", result.why());
    out.printf("held-out queries: recall %.4f, %,.0f qps, p50 %.0f us, p99 %.0f us, index %.1f MiB%n", h.recall(),
        h.qps(), h.p50Us(), h.p99Us(), h.indexBytes() / 1048576.0);
  }

  private static void closeQuietly(Trial t) {
    if (t != null) {
      t.close();
    }
  }

  /** A built index and what its walk came to; closing it frees the index. */
  private record Trial(VectorIndex index, Outcome outcome) implements AutoCloseable {
    @Override
    public void close() {
      index.close();
    }
  }
}

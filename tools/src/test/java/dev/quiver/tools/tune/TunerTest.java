package dev.quiver.tools.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Recall;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.tools.Fixtures;
import dev.quiver.tools.TwoTowerDataset;
import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tuner against exact brute force on a small generated two-tower set. */
class TunerTest {
  private static final int K = 10;
  private static final double TARGET = 0.9;
  private static TwoTowerDataset data;
  private static VectorStore base;
  @TempDir Path dir;

  @BeforeAll
  static void generate() {
    data = Fixtures.dataset(5000, 32, 240, 11);
    base = Fixtures.store(data.base());
  }

  @AfterAll
  static void close() {
    base.close();
  }

  private TuneConfig config(List<String> kinds, double sample, double p99, long bytes) {
    return new TuneConfig(Metric.INNER_PRODUCT, K, TARGET, p99, bytes, 0, kinds, sample, 2, 1, 2, 0.05, 7, dir, null);
  }

  private TuneResult tune(TuneConfig config) throws IOException {
    StringWriter log = new StringWriter();
    TuneResult r = Tuner.run(config, base, data.userQueries(), null, "base", "query", new PrintWriter(log));
    Tuner.report(r, new PrintWriter(log));
    return r;
  }

  @Test
  void thePickReachesTheTargetOnHeldOutQueriesAgainstBruteForce() throws IOException {
    TuneResult r = tune(config(List.of("ivf-flat", "hnsw"), 0.25, 0, 0));
    assertTrue(r.met(), r::why);
    // A first round ran on the 1,250-row sample, then the two survivors on the full base.
    assertTrue(r.rows().stream().anyMatch(row -> row.base().equals("base[sample 1250]")));
    assertEquals(2, r.rows().stream().filter(row -> row.base().equals("base") && row.query().equals("query[tune]"))
        .map(row -> row.index() + row.buildParams()).distinct().count());
    // The pick, rebuilt from its parameters, searched for the held-out queries, against brute force.
    float[][] heldOut = QuerySplit.of(data.userQueries().length, 7, true).heldOut(data.userQueries());
    int[][] exact = Fixtures.bruteForce(data.base(), heldOut, Metric.INNER_PRODUCT, K);
    double recall = heldOutRecall(r.choice(), heldOut, exact);
    // The knob is the smallest reaching the target on the tuning half; the other half sees it
    // within sampling error (80 queries).
    assertTrue(recall >= TARGET - 0.03, "held-out recall " + recall);
    assertEquals(r.heldOut().recall(), recall, 0.02);
    assertEquals("query[held-out]", r.heldOut().query());
    // No row of the full base on the tuning queries beats a row of the front on both counts.
    for (SweepRow f : r.front()) {
      assertTrue(r.rows().stream().noneMatch(o -> o.base().equals("base") && o.query().equals("query[tune]")
          && o.recall() > f.recall() && o.qps() > f.qps()));
    }
    assertFalse(r.front().isEmpty());
  }

  private static double heldOutRecall(Outcome choice, float[][] queries, int[][] exact) {
    try (VectorIndex index = IndexFormats.forKind(choice.candidate().kind()).build(base, null, Metric.INNER_PRODUCT,
        choice.build(), 2)) {
      long[][] ids = new long[queries.length][K];
      SearchResults out = new SearchResults(K);
      for (int q = 0; q < queries.length; q++) {
        index.search(queries[q], K, null, choice.search(), out);
        for (int i = 0; i < out.count(); i++) {
          ids[q][i] = out.id(i);
        }
      }
      return Recall.atK(exact, ids, K);
    }
  }

  @Test
  void theMemoryBudgetExcludesLargerIndexes() throws IOException {
    List<String> kinds = List.of("ivf-flat", "ivf-sq8");
    TuneResult free = tune(config(kinds, 1, 0, 0));
    long budget = free.choice().row().indexBytes() - 1;
    TuneResult bounded = tune(config(kinds, 1, 0, budget));
    assertTrue(bounded.met(), bounded::why);
    assertNotEquals(free.choice().candidate(), bounded.choice().candidate());
    assertTrue(bounded.choice().row().indexBytes() <= budget);
    // Nothing over the budget was searched.
    assertTrue(bounded.rows().stream().allMatch(row -> row.indexBytes() <= budget));
  }

  @Test
  void aLatencyBudgetNoneKeepsLeavesABestEffortPick() throws IOException {
    TuneResult r = tune(config(List.of("ivf-flat"), 1, 0.001, 0));
    assertFalse(r.met());
    assertNotNull(r.choice());
    assertTrue(r.why().startsWith("no configuration reaches recall 0.9 within the budgets"), r::why);
  }

  @Test
  void aMemoryBudgetNothingFitsGivesNoPick() throws IOException {
    // On the sample first (nothing survives it), then on the full base.
    for (double sample : new double[] {0.25, 1}) {
      TuneResult r = tune(config(List.of("ivf-flat"), sample, 0, 1));
      assertNull(r.choice());
      assertTrue(r.why().startsWith("no configuration keeps within the budgets: ivf-flat nlist=1*sqrt(n):"), r::why);
      assertTrue(r.why().contains("over the memory budget"), r::why);
      assertTrue(r.rows().isEmpty());
    }
  }

  @Test
  void badSettingsNameTheValue() {
    assertEquals("--target-recall 1.5 must be in (0, 1]", assertThrows(IllegalArgumentException.class,
        () -> new TuneConfig(Metric.L2, 10, 1.5, 0, 0, 0, null, 1, 1, 1, 1, 0, 1, dir, null)).getMessage());
    assertEquals("--target-recall 0.0 must be in (0, 1]", assertThrows(IllegalArgumentException.class,
        () -> new TuneConfig(Metric.L2, 10, 0, 0, 0, 0, null, 1, 1, 1, 1, 0, 1, dir, null)).getMessage());
    assertEquals("--k 0 must be at least 1", assertThrows(IllegalArgumentException.class,
        () -> new TuneConfig(Metric.L2, 0, 0.9, 0, 0, 0, null, 1, 1, 1, 1, 0, 1, dir, null)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Candidate.of(List.of("lsh"), 32, 10));
  }
}

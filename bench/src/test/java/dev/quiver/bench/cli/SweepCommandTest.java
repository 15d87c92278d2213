package dev.quiver.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.sweep.ResultsCsv;
import dev.quiver.tools.sweep.SweepRow;
import dev.quiver.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SweepCommandTest {
  @TempDir
  static Path dir;
  private static Path base;
  private static Path query;

  @BeforeAll
  static void generate() {
    Cli gen = Cli.run("generate", "--n", "2000", "--dim", "16", "--queries", "60", "--learn", "30",
        "--no-progress", "--out", dir.resolve("data").toString());
    assertEquals(0, gen.exit(), gen::toString);
    base = dir.resolve("data/base.fvecs");
    query = dir.resolve("data/query.fvecs");
  }

  @ParameterizedTest(name = "metric {0}, threads {1}, batch {2}")
  @CsvSource({"ip, 1, 0", "cosine, 2, 0", "l2, 2, 16"})
  void flatSweepIsExactAndWritesResultsAndPlot(String metric, int threads, int batch) throws IOException {
    Path out = dir.resolve("out-" + metric);
    Cli r = sweep("--metric", metric, "--threads", Integer.toString(threads), "--batch", Integer.toString(batch),
        "--out", out.toString());
    assertEquals(0, r.exit(), r::toString);
    Path csv = out.resolve("results.csv");
    assertEquals("index,build_params,search_params,k,recall,qps,p50_us,p99_us,build_s,index_bytes,"
        + "threads,batch,queries,metric,base,query,build_threads", Files.readAllLines(csv).getFirst());
    List<SweepRow> rows = ResultsCsv.read(csv);
    assertEquals(1, rows.size());
    SweepRow row = rows.getFirst();
    assertEquals("quiver-flat", row.index());
    assertEquals(1.0, row.recall());
    assertEquals(10, row.k());
    assertEquals(60, row.queries());
    assertEquals(threads, row.threads());
    assertEquals(threads, row.buildThreads(), "build threads default to --threads");
    assertEquals(batch, row.batch());
    assertEquals(metric, row.metric());
    assertTrue(row.qps() > 0 && row.p50Us() > 0 && row.p99Us() >= row.p50Us(), row::toString);
    assertTrue(row.indexBytes() >= 2000L * 16 * 4, "holds at least the vectors: " + row.indexBytes());
    assertTrue(Files.size(out.resolve("plot.png")) > 1000);
    assertTrue(Files.readString(out.resolve("plot.svg")).contains("<svg"));
    assertTrue(Files.isRegularFile(dir.resolve("data/query.gt-base-" + metric + "-k10.ivecs")), "cached ground truth");
    assertTrue(r.out().contains("quiver-flat"), r::toString);
  }

  @Test
  void oneRowPerSearchSetting() throws IOException {
    Path out = dir.resolve("out-hnsw");
    Path learn = dir.resolve("data/learn.fvecs");
    Cli r = sweep("--index", "hnsw", "--build", "M=8,efConstruction=64", "--search", "efSearch=10;efSearch=300",
        "--learn", learn.toString(), "--out", out.toString());
    assertEquals(0, r.exit(), r::toString);
    List<SweepRow> rows = ResultsCsv.read(out.resolve("results.csv"));
    assertEquals(List.of("efSearch=10", "efSearch=300"), rows.stream().map(SweepRow::searchParams).toList());
    assertEquals("M=8,efConstruction=64,learn=" + learn, rows.getFirst().buildParams());
    assertTrue(rows.get(1).recall() >= 0.99, rows::toString);
    assertTrue(rows.get(1).recall() >= rows.get(0).recall(), rows::toString);
    assertTrue(rows.get(0).buildSeconds() == rows.get(1).buildSeconds(), "built once");
  }

  @Test
  void anIndexFileIsWrittenByTheBuildThenOpenedInsteadOfBuilding() throws IOException {
    Path file = dir.resolve("kept.idx");
    Cli built = sweep("--index", "hnsw", "--build", "M=8,efConstruction=64", "--search", "efSearch=100",
        "--index-file", file.toString(), "--out", dir.resolve("out-kept-1").toString());
    assertEquals(0, built.exit(), built::toString);
    assertTrue(Files.size(file) > 2000L * 16 * 4, "the built index is written");
    Cli opened = sweep("--index", "hnsw", "--build", "M=8,efConstruction=64", "--search", "efSearch=100",
        "--index-file", file.toString(), "--out", dir.resolve("out-kept-2").toString());
    assertEquals(0, opened.exit(), opened::toString);
    assertTrue(opened.out().contains("opened hnsw from " + file), opened::toString);
    SweepRow first = ResultsCsv.read(dir.resolve("out-kept-1/results.csv")).getFirst();
    SweepRow second = ResultsCsv.read(dir.resolve("out-kept-2/results.csv")).getFirst();
    assertEquals(first.recall(), second.recall(), "the same graph, searched the same way");
    assertEquals(0.0, second.buildSeconds());
  }

  @Test
  void queriesLimitAndGivenGroundTruth() throws IOException {
    Path out = dir.resolve("out-limit");
    assertEquals(0, sweep("--queries", "7", "--k", "5", "--out", out.toString()).exit());
    Path gt = dir.resolve("data/query.gt-base-ip-k5.ivecs");
    assertEquals(7, ResultsCsv.read(out.resolve("results.csv")).getFirst().queries());
    Path again = dir.resolve("out-gt");
    Cli r = sweep("--queries", "7", "--k", "5", "--gt", gt.toString(), "--out", again.toString());
    assertEquals(0, r.exit(), r::toString);
    assertEquals(1.0, ResultsCsv.read(again.resolve("results.csv")).getFirst().recall());
  }

  @Test
  void badGroundTruthMoreQueriesThanRowsAndRepeatedParametersAreRefusedLeavingNoOutput() throws IOException {
    Path gt = dir.resolve("bad-gt.ivecs");
    int[][] ids = new int[60][5];
    ids[3][2] = 99999;
    dev.quiver.engine.io.VectorFiles.writeInts(gt, ids);
    Path out = dir.resolve("out-refused");
    Cli r = sweep("--k", "5", "--gt", gt.toString(), "--out", out.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(gt + ": ground truth row 3 holds neighbour 99999"), r::toString);
    assertTrue(!Files.exists(out), "a failed sweep leaves no output directory");
    r = sweep("--queries", "500", "--out", out.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("--queries 500, but query file " + query + " holds 60 rows"), r::toString);
    r = sweep("--index", "hnsw", "--build", "M=8,M=32", "--out", out.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("parameter M is given twice"), r::toString);
    assertTrue(!Files.exists(out), "a failed sweep leaves no output directory");
  }

  @Test
  void badMetricExitsTwoNamingTheValue() {
    Cli r = sweep("--metric", "cosinus", "--out", dir.resolve("bad").toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("cosinus"), r::toString);
  }

  @Test
  void missingFileExitsTwoNamingIt() {
    Cli r = Cli.run("sweep", "--index", "flat", "--base", dir.resolve("nope.fvecs").toString(), "--query",
        query.toString(), "--warmup-s", "0", "--no-progress", "--out", dir.resolve("bad").toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("nope.fvecs"), r::toString);
    assertTrue(!r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
  }

  @Test
  void unknownKindPeerAndParameterExitTwo() {
    Cli kind = Cli.run("sweep", "--index", "annoy", "--base", base.toString(), "--query", query.toString(),
        "--out", dir.resolve("bad").toString());
    assertEquals(2, kind.exit(), kind::toString);
    assertTrue(kind.err().contains("unknown index kind 'annoy'"), kind::toString);
    Cli peer = sweep("--peers", "faiss,annoy", "--out", dir.resolve("bad").toString());
    assertEquals(2, peer.exit(), peer::toString);
    assertTrue(peer.err().contains("unknown peer 'annoy'"), peer::toString);
    Cli param = sweep("--build", "nlist=64", "--out", dir.resolve("bad").toString());
    assertEquals(2, param.exit(), param::toString);
    assertTrue(param.err().contains("nlist=64"), param::toString);
  }

  @Test
  void verbosePrintsTheStackTrace() {
    Cli r = sweep("--index", "annoy", "--verbose", "--out", dir.resolve("bad").toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("\tat dev.quiver."), r::toString);
  }

  @Test
  void learnSetGoesToTheBuild() {
    // The flat kind takes no build parameters, so it names the learn parameter it was given.
    Path learn = dir.resolve("data/learn.fvecs");
    Cli flat = sweep("--learn", learn.toString(), "--out", dir.resolve("learn").toString());
    assertEquals(2, flat.exit(), flat::toString);
    assertTrue(flat.out().contains("learn set " + learn + ": 30 x 16"), flat::toString);
    assertTrue(flat.err().contains("learn=" + learn), flat::toString);
    Cli missing = sweep("--learn", dir.resolve("data/none.fvecs").toString(), "--out", dir.resolve("bad").toString());
    assertEquals(2, missing.exit(), missing::toString);
    assertTrue(missing.err().contains("none.fvecs"), missing::toString);
  }

  /** A flat sweep of the generated files with no warm-up; later arguments override. */
  private static Cli sweep(String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("sweep", "--index", "flat", "--metric", "ip",
        "--base", base.toString(), "--query", query.toString(), "--k", "10", "--warmup-s", "0", "--no-progress"));
    for (int i = 0; i < extra.length; i += 2) {
      int at = args.indexOf(extra[i]);
      if (at >= 0 && i + 1 < extra.length && !extra[i].equals("--verbose")) {
        args.set(at + 1, extra[i + 1]);
      } else {
        args.add(extra[i]);
        if (i + 1 < extra.length) {
          args.add(extra[i + 1]);
        }
      }
    }
    return Cli.run(args.toArray(String[]::new));
  }
}

package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.DatasetSpec;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tools.TwoTowerDataset;
import dev.quiver.tools.sweep.ResultsCsv;
import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quiver tune end to end, its choice taken by build-snapshot, and build-snapshot tuning on its own. */
class TuneCommandTest {
  @TempDir static Path data;
  @TempDir Path dir;

  @BeforeAll
  static void generate() throws IOException {
    TwoTowerDataset.generate(DatasetSpec.defaults(3000, SyntheticTwoTower.DIM, 100, 0, 0, 5), 2, false).write(data);
    SyntheticTwoTower.write(data.resolve("model"), 2, 0, 2);
  }

  private static String base() {
    return data.resolve(TwoTowerDataset.BASE).toString();
  }

  private Cli tune(String... extra) {
    return tuneFor("0.9", extra);
  }

  private Cli tuneFor(String target, String... extra) {
    List<String> args = new ArrayList<>(List.of("tune", "--base", base(), "--query",
        data.resolve(TwoTowerDataset.USER_QUERIES).toString(), "--target-recall", target, "--sample", "1",
        "--kinds", "ivf-flat,hnsw", "--warmup-s", "0.05", "--build-threads", "2", "--out", dir.resolve("out").toString()));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void writesResultsAndAChoiceThatBuildSnapshotTakes() throws IOException {
    Cli r = tune("--k", "10");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("Pareto front") && r.out().contains("why: the most queries per second"), r::toString);
    List<SweepRow> rows = ResultsCsv.read(dir.resolve("out/results.csv"));
    SweepRow heldOut = rows.getLast();
    assertEquals("query.fvecs[held-out]", heldOut.query());
    List<String> choice = Files.readAllLines(dir.resolve("out/choice.txt"));
    assertEquals(2, choice.size());
    assertTrue(choice.get(0).startsWith("--index " + heldOut.index().substring("quiver-".length()) + " --build "));
    assertEquals("--search " + heldOut.searchParams(), choice.get(1));

    List<String> args = new ArrayList<>(List.of("build-snapshot", "--items", base(), "--model",
        data.resolve("model").toString(), "--root", dir.resolve("root").toString(), "--k", "10", "--no-progress"));
    args.addAll(Arrays.asList(choice.get(0).split(" ")));
    args.addAll(Arrays.asList(choice.get(1).split(" ")));
    Cli built = Cli.run(args.toArray(String[]::new));
    assertEquals(0, built.exit(), built::toString);
    assertTrue(built.out().contains(heldOut.index().substring("quiver-".length()) + " index"), built::toString);
  }

  @Test
  void aTargetNoConfigurationReachesWithinTheBudgetExitsThree() throws IOException {
    Cli r = tune("--max-p99-us", "0.001");
    assertEquals(TuneCommand.TARGET_NOT_MET, r.exit(), r::toString);
    assertTrue(r.out().contains("TARGET NOT MET"), r::toString);
    assertTrue(Files.exists(dir.resolve("out/choice.txt")));
  }

  @Test
  void badInputGetsOneLineNamingIt() {
    assertBad(Cli.run("tune", "--base", "nope.fvecs", "--query", "q.fvecs", "--target-recall", "0.9", "--out", "o"),
        "base file not found: nope.fvecs");
    assertBad(tuneFor("1.5"), "--target-recall 1.5 must be in (0, 1]");
    assertBad(tune("--k", "0"), "--k 0 must be at least 1");
    assertBad(Cli.run("tune", "--base", base(), "--query", dir.resolve("missing.fvecs").toString(), "--target-recall",
        "0.9", "--out", dir.toString()), "query file not found: " + dir.resolve("missing.fvecs"));
    assertBad(tune("--kinds", "lsh"), "the tuner knows kinds ivf-flat, ivf-sq8, ivf-pq and hnsw, not 'lsh'");
  }

  private static void assertBad(Cli r, String message) {
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(message), r::toString);
    assertEquals(1, r.err().strip().lines().count(), r::toString);
    assertFalse(r.err().contains("\tat "), r::toString);
  }

  @Test
  void userFeatureRowsThroughTheUserTowerAreTheQueries() throws IOException {
    Cli r = Cli.run("tune", "--base", base(), "--user-features", userRows(60).toString(), "--model",
        data.resolve("model").toString(), "--k", "10", "--target-recall", "0.9", "--sample", "1", "--kinds", "ivf-flat",
        "--warmup-s", "0.05", "--out", dir.resolve("out").toString());
    assertEquals(0, r.exit(), r::toString);
    // 60 rows through a user tower of 2 heads: 120 queries, half tuned on, half held out.
    assertTrue(r.out().contains("60 tuning and 60 held-out queries"), r::toString);
    assertEquals("users.jsonl[held-out]", ResultsCsv.read(dir.resolve("out/results.csv")).getLast().query());
  }

  @Test
  void buildSnapshotWithoutIndexTunesOnTheUserSample() throws IOException {
    Path users = userRows(60);
    Cli r = Cli.run("build-snapshot", "--items", base(), "--model", data.resolve("model").toString(), "--user-features",
        users.toString(), "--k", "10", "--min-recall", "0.9", "--root", dir.resolve("root").toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("no --index: tuning for recall@10 >= 0.9 on 120 user-tower vectors of users.jsonl"), r::toString);
    assertTrue(r.out().contains("tuned: --index ") && r.out().contains("why: "), r::toString);
    assertTrue(r.out().contains("published "), r::toString);
  }

  @Test
  void buildSnapshotWithoutIndexOrSampleBuildsTheDefaultAndSaysSo() {
    Cli r = Cli.run("build-snapshot", "--items", base(), "--model", data.resolve("model").toString(), "--k", "10",
        "--root", dir.resolve("root").toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("no --index: building the default hnsw"), r::toString);
    assertTrue(r.out().contains("hnsw index"), r::toString);
  }

  private Path userRows(int count) throws IOException {
    SplittableRandom rnd = new SplittableRandom(9);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      lines.add(String.format(Locale.ROOT, "{\"user_id\": %d, \"interests\": [\"c%d\", \"c%d\"], \"age\": %d}", i,
          rnd.nextInt(SyntheticTwoTower.CATEGORIES), rnd.nextInt(SyntheticTwoTower.CATEGORIES), 18 + rnd.nextInt(50)));
    }
    return Files.write(dir.resolve("users.jsonl"), lines);
  }
}

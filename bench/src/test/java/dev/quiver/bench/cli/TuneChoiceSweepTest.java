package dev.quiver.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.cli.Cli;
import dev.quiver.tools.sweep.ResultsCsv;
import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tuner's choice.txt lines are sweep options as they stand: the sweep reproduces the pick. */
class TuneChoiceSweepTest {
  @TempDir Path dir;

  @Test
  void theSweepTakesTheChoiceAndMeasuresThePick() throws IOException {
    Cli gen = Cli.run("generate", "--n", "3000", "--dim", "16", "--queries", "100", "--learn", "10",
        "--no-progress", "--out", dir.resolve("data").toString());
    assertEquals(0, gen.exit(), gen::toString);
    String base = dir.resolve("data/base.fvecs").toString();
    String query = dir.resolve("data/query.fvecs").toString();
    Cli tune = Cli.run("tune", "--base", base, "--query", query, "--k", "10", "--target-recall", "0.9", "--sample",
        "1", "--kinds", "ivf-sq8,hnsw", "--warmup-s", "0.05", "--out", dir.resolve("tune").toString());
    assertEquals(0, tune.exit(), tune::toString);
    List<String> choice = Files.readAllLines(dir.resolve("tune/choice.txt"));

    List<String> args = new ArrayList<>(List.of("sweep", "--base", base, "--query", query, "--k", "10", "--warmup-s",
        "0", "--no-progress", "--out", dir.resolve("sweep").toString()));
    args.addAll(Arrays.asList(choice.get(0).split(" ")));
    args.addAll(Arrays.asList(choice.get(1).split(" ")));
    Cli sweep = Cli.run(args.toArray(String[]::new));
    assertEquals(0, sweep.exit(), sweep::toString);
    SweepRow row = ResultsCsv.read(dir.resolve("sweep/results.csv")).getFirst();
    SweepRow heldOut = ResultsCsv.read(dir.resolve("tune/results.csv")).getLast();
    assertEquals(heldOut.index(), row.index());
    assertEquals(heldOut.buildParams(), row.buildParams());
    assertEquals(heldOut.searchParams(), row.searchParams());
    // All 100 queries, half of which the knob was walked on: about the target.
    assertTrue(row.recall() >= 0.87, row::toString);
  }
}

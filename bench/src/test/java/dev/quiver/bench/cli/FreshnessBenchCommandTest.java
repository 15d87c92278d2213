package dev.quiver.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.cli.Cli;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreshnessBenchCommandTest {
  private static final Pattern CARRIED = Pattern.compile("delta of v2: ([0-9,]+) of ([0-9,]+) added");

  @TempDir Path dir;

  @Test
  void addsThroughASwapWithoutLosingAnItem() {
    Cli run = Cli.run("freshness-bench", "--root", dir.resolve("root").toString(), "--items", "1500", "--build",
        "M=8,efConstruction=40", "--k", "20", "--rate", "200", "--window-s", "1", "--warmup-s", "0", "--users", "20",
        "--threads", "1");
    assertEquals(0, run.exit(), run::toString);
    for (String phase : new String[] {"no adds ", "adds ", "build+swap (", "after the swap "}) {
      assertTrue(run.out().contains("\n" + phase), phase + " in " + run);
    }
    assertTrue(run.out().contains("fresh-item recall@20 after the swap to v2"), run::toString);
    Matcher carried = CARRIED.matcher(run.out());
    assertTrue(carried.find(), run::toString);
    assertEquals(carried.group(2), carried.group(1), "every fresh item carried into v2: " + run);
    assertFalse(run.out().contains("adds stopped") || run.out().contains("first failed request"), run::toString);
  }

  @Test
  void aBadRateIsOneLine() {
    Cli run = Cli.run("freshness-bench", "--root", dir.resolve("root").toString(), "--rate", "0");
    assertTrue(run.exit() != 0, run::toString);
    assertTrue(run.err().contains("--rate must be positive, was 0"), run::toString);
    assertEquals(1, run.err().strip().lines().count(), run::toString);
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run);
  }
}

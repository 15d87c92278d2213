package dev.quiver.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.cli.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecallBenchCommandTest {
  @TempDir Path dir;

  @Test
  void buildsOnceThenMeasuresEveryStage() {
    String[] args = {"recall-bench", "--root", dir.resolve("root").toString(), "--items", "1500", "--build",
        "M=8,efConstruction=40", "--requests", "64", "--batch", "8", "--warmup-s", "0", "--k", "20"};
    Cli first = Cli.run(args);
    assertEquals(0, first.exit(), first::toString);
    assertTrue(first.out().contains("built "), first::toString);
    for (String stage : new String[] {"tower", "search:click", "search:like", "merge", "total"}) {
      assertTrue(first.out().contains("\n" + stage + " "), stage + " in " + first);
    }
    assertTrue(first.out().contains("batch 8, searches on"), first::toString);
    Cli second = Cli.run(args);
    assertEquals(0, second.exit(), second::toString);
    assertTrue(!second.out().contains("built "), "the snapshot is reused: " + second);
  }
}

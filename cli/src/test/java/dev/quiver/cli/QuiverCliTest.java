package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuiverCliTest {

  @Test
  void generateWritesTheFourFiles(@TempDir Path dir) throws IOException {
    Cli r = Cli.run("generate", "--n", "1500", "--dim", "24", "--queries", "40", "--item-queries", "30",
        "--learn", "20", "--seed", "3", "--no-progress", "--out", dir.toString());
    assertEquals(0, r.exit(), r::toString);
    assertEquals(1500, VectorFiles.rows(dir.resolve("base.fvecs")));
    assertEquals(40, VectorFiles.rows(dir.resolve("query.fvecs")));
    assertEquals(30, VectorFiles.rows(dir.resolve("query-items.fvecs")));
    assertEquals(20, VectorFiles.rows(dir.resolve("learn.fvecs")));
    assertEquals(24, VectorFiles.dimension(dir.resolve("base.fvecs")));
  }

  @Test
  void generateRejectsBadSizes(@TempDir Path dir) {
    Cli r = Cli.run("generate", "--n", "100", "--dim", "16", "--latent", "20", "--out", dir.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("latentDimension 20 exceeds dimension 16"), r::toString);
  }

  @Test
  void demoPlaysAnHourWithoutAFailedRequest() {
    Cli r = Cli.run("demo", "--items", "3000", "--k", "20", "--serve-s", "0.5", "--check-users", "30",
        "--build", "M=12,efConstruction=60", "--search", "efSearch=100", "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    Matcher recall = Pattern.compile("recall@20 of (?:the served|v2's) answers[^:]*: (\\d\\.\\d{4})").matcher(r.out());
    int checks = 0;
    while (recall.find()) {
      assertTrue(Double.parseDouble(recall.group(1)) >= 0.9, r::toString);
      checks++;
    }
    assertEquals(2, checks, r::toString);
    assertTrue(r.out().contains("swap v1 -> v2"), r::toString);
    assertTrue(Pattern.compile("failed 0\\b").matcher(r.out()).find(), r::toString);
  }

  @Test
  void noCommandIsAUsageError() {
    Cli r = Cli.run();
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("Missing command"), r::toString);
  }

  @Test
  void helpListsTheCommands() {
    Cli r = Cli.run("--help");
    assertEquals(0, r.exit(), r::toString);
    for (String command : new String[] {"demo", "generate", "embed", "build-snapshot"}) {
      assertTrue(r.out().contains(command), r::toString);
    }
  }
}

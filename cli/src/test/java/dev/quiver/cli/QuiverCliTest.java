package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.io.VectorFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
  void demoIsExact() {
    Cli r = Cli.run("demo", "--n", "4000", "--dim", "16", "--queries", "120", "--reference", "60", "--batch", "50",
        "--warmup-s", "0");
    assertEquals(0, r.exit(), r::toString);
    Matcher m = Pattern.compile("(one query per call|batches of 50)[^\\n]*?\\s(\\d\\.\\d{4})\\s").matcher(r.out());
    int modes = 0;
    while (m.find()) {
      assertEquals("1.0000", m.group(2), r::toString);
      modes++;
    }
    assertEquals(2, modes, r::toString);
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
    for (String command : new String[] {"demo", "generate", "sweep", "embed", "jmh"}) {
      assertTrue(r.out().contains(command), r::toString);
    }
  }

  @Test
  void jmhGetsItsArguments() {
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true));
    try {
      Cli r = Cli.run("jmh", "-h");
      assertEquals(0, r.exit(), r::toString);
    } finally {
      System.setOut(saved);
    }
    assertTrue(captured.toString().contains("Usage: java -jar ... [regexp*] [options]"), captured::toString);
  }
}

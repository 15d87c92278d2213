package dev.quiver.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.cli.Cli;
import dev.quiver.engine.io.VectorFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark commands plug into the command line as services and run from it. */
class BenchCommandsTest {
  private static final int N = 800;
  private static final int DIM = 12;
  @TempDir Path dir;

  @Test
  void helpListsTheBenchmarkCommandsBesideTheProductOnes() {
    Cli r = Cli.run("--help");
    assertEquals(0, r.exit(), r::toString);
    for (String command : new String[] {"demo", "build-snapshot", "sweep", "jmh", "recall-bench", "snapshot-bench",
        "freshness-bench"}) {
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

  private float[][] writeInputs() throws IOException {
    Random rnd = new Random(4);
    float[][] rows = new float[N][DIM];
    for (float[] row : rows) {
      for (int j = 0; j < DIM; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    VectorFiles.writeFloats(dir.resolve("items.fvecs"), rows);
    Path model = Files.createDirectories(dir.resolve("model"));
    Files.writeString(model.resolve("model.json"), "{\"dim\": " + DIM + "}");
    Files.write(model.resolve("model.safetensors"), new byte[] {1, 2, 3, 4});
    return rows;
  }

  @Test
  void snapshotBenchSwapsWithoutFailedQueries() throws IOException {
    float[][] rows = writeInputs();
    Path root = dir.resolve("root");
    assertEquals(0, Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--model",
        dir.resolve("model").toString(), "--index", "flat", "--root", root.toString(), "--no-progress").exit());
    VectorFiles.writeFloats(dir.resolve("queries.fvecs"), java.util.Arrays.copyOf(rows, 50));
    for (String mode : new String[] {"--verification=FULL", "--pointer-only"}) {
      Cli r = Cli.run("snapshot-bench", "--root", root.toString(), "--queries",
          dir.resolve("queries.fvecs").toString(), "--rate", "500", "--warmup-s", "0.2", "--window-s", "0.6",
          "--cycles", "1", "--swap-every-s", "0.3", "--poll-ms", "5", mode);
      assertEquals(0, r.exit(), r::toString);
      Matcher m = Pattern.compile("\\| (no swaps|swap every [^|]*) \\| [a-z ]+ \\| \\d+ \\| ([\\d,]+) \\| (\\d+) \\|")
          .matcher(r.out());
      int phases = 0;
      while (m.find()) {
        assertTrue(Long.parseLong(m.group(2).replace(",", "")) > 0, r::toString);
        assertEquals("0", m.group(3), r::toString);
        phases++;
      }
      assertEquals(4, phases, r::toString);
      assertTrue(r.out().contains("swaps: 2;"), r::toString);
    }
  }
}

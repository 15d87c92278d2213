package dev.quiver.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example of using the index library directly, compiled and run here, checked
 * against brute force and to be exactly what the README shows.
 */
class IndexExampleTest {
  @TempDir Path dir;

  @Test
  void theReadmeIndexExampleRunsAndIsTheReadmes() throws IOException {
    Random rnd = new Random(8);
    float[][] rows = new float[3000][32];
    for (float[] row : rows) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    Path base = dir.resolve("base.fvecs");
    VectorFiles.writeFloats(base, rows);
    float[] userVector = rows[1234].clone();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      example(base, userVector);
    } finally {
      System.setOut(stdout);
    }
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(10, lines.size(), printed::toString);
    assertTrue(lines.getFirst().startsWith("1234 "), "an item is its own best inner product here: " + lines);
    String readme = Files.readString(Path.of(System.getProperty("quiver.root", ".."), "README.md"));
    for (String line : exampleLines()) {
      assertTrue(readme.contains(line), "README.md lacks the example line: " + line);
    }
  }

  private static void example(Path base, float[] userVector) throws IOException {
    // README:begin
    try (VectorStore items = VectorFiles.readFloats(base);
         VectorIndex index = IndexFormats.forKind("hnsw").build(items, null, Metric.INNER_PRODUCT,
             Params.parse("M=16,efConstruction=200"), 2);
         Searcher searcher = index.newSearcher()) {        // one per thread: owns its scratch
      SearchParams params = index.searchParams(Params.parse("efSearch=96"));   // parsed once
      SearchResults out = new SearchResults(10);         // reused: a search allocates nothing
      searcher.search(userVector, 10, null, params, out);
      for (int r = 0; r < out.count(); r++) {
        System.out.println(out.id(r) + " " + out.score(r));
      }
    }
    // README:end
  }

  private static List<String> exampleLines() throws IOException {
    Path source = Path.of(System.getProperty("quiver.root", ".."),
        "src/test/java/dev/quiver/e2e/IndexExampleTest.java");
    List<String> lines = new ArrayList<>();
    boolean inside = false;
    for (String line : Files.readAllLines(source)) {
      if (line.contains("// README:" + "end")) {
        break;
      }
      if (inside && !line.isBlank()) {
        lines.add(line.strip());
      }
      inside |= line.contains("// README:" + "begin");
    }
    assertTrue(lines.size() > 8, "example not found in " + source);
    return lines;
  }
}

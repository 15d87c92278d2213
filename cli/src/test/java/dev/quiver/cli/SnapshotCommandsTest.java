package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.serving.snapshot.ModelLoader;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build-snapshot publishes what the loader serves. */
class SnapshotCommandsTest {
  private static final int N = 800;
  private static final int DIM = 12;
  private static final ModelLoader<AutoCloseable> NO_MODEL = (dir, arena) -> () -> { };
  @TempDir Path dir;

  static float[][] writeInputs(Path dir) throws IOException {
    Random rnd = new Random(4);
    float[][] rows = new float[N][DIM];
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < DIM; j++) {
        rows[i][j] = (float) rnd.nextGaussian();
      }
      ids.add(Long.toString(1_000_000_007L * i - 5));
    }
    VectorFiles.writeFloats(dir.resolve("items.fvecs"), rows);
    Files.write(dir.resolve("ids.txt"), ids);
    Path model = Files.createDirectories(dir.resolve("model"));
    Files.writeString(model.resolve("model.json"), "{\"dim\": " + DIM + "}");
    Files.write(model.resolve("model.safetensors"), new byte[] {1, 2, 3, 4});
    return rows;
  }

  @Test
  void buildSnapshotPublishesAnIndexThatAnswersWithTheItemIds() throws IOException {
    float[][] rows = writeInputs(dir);
    Path root = dir.resolve("root");
    Cli r = Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--ids",
        dir.resolve("ids.txt").toString(), "--model", dir.resolve("model").toString(), "--index", "flat",
        "--root", root.toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("800 items x 12, flat index"), r::toString);
    assertTrue(r.out().contains("stages: read items"), r::toString);
    long[] ids = Files.readAllLines(dir.resolve("ids.txt")).stream().mapToLong(Long::parseLong).toArray();
    Snapshot<AutoCloseable> s = SnapshotLoader.of(NO_MODEL).load(root.resolve("v-1"));
    try (VectorStore store = VectorFiles.readFloats(dir.resolve("items.fvecs"));
         FlatIndex exact = FlatIndex.build(store, ids, Metric.INNER_PRODUCT)) {
      SearchResults got = new SearchResults(10);
      for (int q = 0; q < 20; q++) {
        s.search(rows[q * 7], 10, null, Params.DEFAULT, got);
        SearchResults want = exact.search(rows[q * 7], 10);
        assertArrayEquals(want.ids(), got.ids());
        assertArrayEquals(want.scores(), got.scores());
      }
    } finally {
      s.retire();
    }

    r = Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--model",
        dir.resolve("model").toString(), "--index-file", root.resolve("v-1/index.qvi").toString(), "--root",
        root.toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    assertEquals(2, SnapshotLayout.current(root));
  }

  @Test
  void buildSnapshotRecordsTheKindAndParameters() throws IOException {
    writeInputs(dir);
    Path root = dir.resolve("root");
    Cli r = Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--model",
        dir.resolve("model").toString(), "--index", "hnsw", "--build", "M=8,efConstruction=40", "--threads", "2",
        "--root", root.toString(), "--snapshot-version", "7", "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    Snapshot<AutoCloseable> s = SnapshotLoader.of(NO_MODEL).load(root.resolve("v-7"));
    try {
      assertEquals("hnsw", s.manifest().index().kind());
      assertEquals("8", s.manifest().index().params().get("M"));
      assertEquals(N, s.index().size());
    } finally {
      s.retire();
    }
  }

  @Test
  void badInputIsNamed() throws IOException {
    writeInputs(dir);
    Cli r = Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--model",
        dir.resolve("nowhere").toString(), "--index", "flat", "--root", dir.resolve("root").toString(),
        "--no-progress");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("nowhere"), r::toString);
    Files.writeString(dir.resolve("bad-ids.txt"), "1\nx2\n");
    r = Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--ids",
        dir.resolve("bad-ids.txt").toString(), "--model", dir.resolve("model").toString(), "--index", "flat",
        "--root", dir.resolve("root").toString(), "--no-progress");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("line 2"), r::toString);
  }
}

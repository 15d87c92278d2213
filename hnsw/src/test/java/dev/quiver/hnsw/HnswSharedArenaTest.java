package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An HNSW file opened into a caller's arena: same answers; only the arena's close unmaps it. */
class HnswSharedArenaTest {
  private static final Params SEARCH = Params.parse("efSearch=40");
  @TempDir Path dir;

  @Test
  void openedIntoASharedArenaAnswersAsBuiltAndLivesWithTheArena() throws IOException {
    float[][][] data = TestData.baseAndQueries(41, 2000, 20, 16, 10, false);
    Path file = dir.resolve("hnsw.qvr");
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex built = HnswIndex.build(store, null, Metric.INNER_PRODUCT, Params.parse("M=8,efConstruction=40"),
             null, 2)) {
      built.write(file);
      Arena arena = Arena.ofShared();
      VectorIndex opened = IndexFormats.open(file, true, arena);
      VectorIndex other = IndexFormats.open(file, false, arena);
      SearchResults a = new SearchResults(10);
      SearchResults b = new SearchResults(10);
      for (float[] q : data[1]) {
        built.search(q, 10, null, SEARCH, a);
        opened.search(q, 10, null, SEARCH, b);
        assertArrayEquals(a.ids(), b.ids());
        assertArrayEquals(a.scores(), b.scores());
      }
      opened.close();
      assertTrue(arena.scope().isAlive());
      other.search(data[1][0], 10, null, SEARCH, b);
      built.search(data[1][0], 10, null, SEARCH, a);
      assertArrayEquals(a.ids(), b.ids());
      arena.close();
      assertThrows(IllegalStateException.class, () -> other.search(data[1][0], 10, null, SEARCH, b));
      other.close();
    }
  }
}

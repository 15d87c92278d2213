package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets an IllegalArgumentException naming the bad value; the kind is found by name. */
class HnswArgumentsTest {

  private static void assertMessage(Class<? extends Throwable> type, String expected, Executable call) {
    Throwable e = assertThrows(type, call);
    assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
  }

  private static VectorStore small() {
    return TestData.store(TestData.baseAndQueries(1, 50, 1, 4, 2, false)[0]);
  }

  @Test
  void badBuildParameters() {
    try (VectorStore store = small()) {
      assertMessage(IllegalArgumentException.class, "'Mmax'",
          () -> HnswIndex.build(store, null, Metric.L2, Params.parse("Mmax=3"), null, 1));
      assertMessage(IllegalArgumentException.class, "M must be in [2, 128], got 1",
          () -> HnswIndex.build(store, null, Metric.L2, Params.parse("M=1"), null, 1));
      assertMessage(IllegalArgumentException.class, "efConstruction must be positive, got 0",
          () -> HnswIndex.build(store, null, Metric.L2, Params.parse("efConstruction=0"), null, 1));
      assertMessage(IllegalArgumentException.class, "ipGraph=cosine",
          () -> HnswIndex.build(store, null, Metric.L2, Params.parse("ipGraph=cosine"), null, 1));
      assertMessage(IllegalArgumentException.class, "traverse=int4",
          () -> HnswIndex.build(store, null, Metric.L2, Params.parse("traverse=int4"), null, 1));
      try (VectorStore empty = VectorStore.allocate(4, 0)) {
        assertMessage(IllegalArgumentException.class, "traverse=sq8 trains its quantizer on the items",
            () -> HnswIndex.build(empty, null, Metric.L2, Params.parse("traverse=sq8"), null, 1));
      }
      assertMessage(IllegalArgumentException.class, "seed=x",
          () -> HnswIndex.build(store, null, Metric.L2, Params.parse("seed=x"), null, 1));
      assertMessage(IllegalArgumentException.class, "threads must be positive, got 0",
          () -> HnswIndex.build(store, null, Metric.L2, Params.DEFAULT, null, 0));
      assertMessage(IllegalArgumentException.class, "ids has 3 entries for 50 vectors",
          () -> HnswIndex.build(store, new long[3], Metric.L2, Params.DEFAULT, null, 1));
      try (VectorStore learn = VectorStore.allocate(5, 1)) {
        assertMessage(IllegalArgumentException.class, "learn queries have dimension 5, items 4",
            () -> HnswIndex.build(store, null, Metric.L2, Params.DEFAULT, learn, 1));
      }
      assertMessage(java.io.UncheckedIOException.class, "no-such-file.fvecs",
          () -> IndexFormats.forKind("hnsw").build(store, null, Metric.L2, Params.parse("learn=no-such-file.fvecs"), 1));
    }
  }

  @Test
  void badSearchArguments() {
    try (VectorStore store = small(); HnswIndex index = HnswIndex.build(store, null, Metric.L2, Params.DEFAULT, null, 1)) {
      SearchResults out = new SearchResults(5);
      float[] q = new float[4];
      assertMessage(IllegalArgumentException.class, "efSearch must be positive, got 0",
          () -> index.search(q, 5, null, Params.parse("efSearch=0"), out));
      assertMessage(IllegalArgumentException.class, "nprobe=4",
          () -> index.search(q, 5, null, Params.parse("nprobe=4"), out));
      assertMessage(IllegalArgumentException.class, "rerank must be positive, got 0",
          () -> index.search(q, 5, null, Params.parse("efSearch=8,rerank=0"), out));
      assertMessage(IllegalArgumentException.class, "efSearch=many is not an integer",
          () -> index.search(q, 5, null, Params.parse("efSearch=many"), out));
      assertMessage(IllegalArgumentException.class, "k must be positive, got 0",
          () -> index.search(q, 0, null, Params.DEFAULT, out));
      assertMessage(IllegalArgumentException.class, "query has dimension 3, expected 4",
          () -> index.search(new float[3], 5, null, Params.DEFAULT, out));
      assertMessage(IllegalArgumentException.class, "non-finite component at index 2",
          () -> index.search(new float[] {0, 0, Float.NaN, 0}, 5, null, Params.DEFAULT, out));
      assertMessage(IllegalArgumentException.class, "2 filters for 1 queries",
          () -> index.searchBatch(new float[][] {q}, 5, new dev.quiver.engine.OrdinalFilter[2], Params.DEFAULT,
              new SearchResults[] {out}, 1));
      assertMessage(IllegalArgumentException.class, "vector has dimension 2, expected 4",
          () -> index.add(new float[2]));
      assertMessage(IllegalStateException.class, "built without ids", () -> index.add(7L, q));
      index.close();
      assertMessage(IllegalStateException.class, "closed", () -> index.search(q, 5));
    }
  }

  @Test
  void kindIsFoundThroughTheServiceLoader(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    assertTrue(IndexFormats.kinds().contains("hnsw"));
    try (VectorStore store = small();
         VectorIndex index = IndexFormats.forKind("hnsw").build(store, null, Metric.L2, Params.parse("M=4"), 1)) {
      assertEquals("hnsw", index.kind());
      assertEquals(50, index.size());
      index.write(dir.resolve("x.qvr"));
      try (VectorIndex opened = IndexFormats.open(dir.resolve("x.qvr"))) {
        assertEquals(4, ((HnswIndex) opened).m());
      }
    }
  }
}

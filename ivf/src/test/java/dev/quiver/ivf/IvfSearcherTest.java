package dev.quiver.ivf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Data;
import dev.quiver.pq.QuantizedSearchParams;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The explicit IVF searcher with typed parameters, against brute force. */
class IvfSearcherTest {
  private static final int N = 1500;
  private static final int DIM = 16;
  private static final int NLIST = 20;

  @Test
  void probingEveryListThroughASearcherIsExact() {
    Random rnd = new Random(9);
    float[][] base = Data.clustered(rnd, N, DIM, 30, 0.5);
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Data.store(base);
           VectorIndex index = IndexFormats.forKind("ivf-flat").build(store, null, metric,
               Params.parse("nlist=" + NLIST), 2);
           Searcher searcher = index.newSearcher()) {
        SearchParams all = index.searchParams(Params.parse("nprobe=" + NLIST));
        assertEquals(new IvfSearchParams(NLIST, 0), all);
        SearchResults out = new SearchResults(10);
        for (int t = 0; t < 10; t++) {
          float[] q = Data.gaussian(rnd, 1, DIM)[0];
          searcher.search(q, 10, null, all, out);
          int[] exact = Data.topK(base, q, 10, metric, null);
          assertArrayEquals(java.util.Arrays.stream(exact).asLongStream().toArray(), out.ids(), metric + " " + t);
        }
      }
    }
  }

  @Test
  void parametersOfAnotherKindOrWithoutExactVectorsAreRefused() {
    float[][] base = Data.clustered(new Random(4), 300, DIM, 10, 0.5);
    try (VectorStore store = Data.store(base);
         VectorIndex index = IndexFormats.forKind("ivf-flat").build(store, null, Metric.L2,
             Params.parse("nlist=8"), 1);
         Searcher searcher = index.newSearcher()) {
      float[] q = base[0];
      SearchResults out = new SearchResults(5);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> searcher.search(q, 5, null, QuantizedSearchParams.DEFAULTS, out));
      assertTrue(e.getMessage().contains("IvfSearchParams"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> searcher.search(q, 5, null, new IvfSearchParams(4, 50), out));
      assertTrue(e.getMessage().contains("refine=1"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> index.searchParams(Params.parse("efSearch=4")));
      assertThrows(IllegalArgumentException.class, () -> new IvfSearchParams(0, 0));
      searcher.search(q, 5, null, null, out);
      assertEquals(5, out.count());
    }
  }
}

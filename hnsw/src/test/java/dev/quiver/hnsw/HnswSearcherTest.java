package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorStore;
import org.junit.jupiter.api.Test;

/** The explicit HNSW searcher with typed parameters, against brute force and the Params path. */
class HnswSearcherTest {
  private static final int N = 3000;
  private static final int DIM = 16;
  private static final int K = 10;

  @Test
  void searcherReachesBruteForceRecallAndMatchesTheParamsPath() {
    float[][][] data = TestData.baseAndQueries(5, N, 60, DIM, 30, false);
    int[][] truth = TestData.groundTruth(data[0], Metric.L2, data[1], K, null);
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex index = HnswIndex.build(store, null, Metric.L2, Params.parse("M=12,efConstruction=100"), null, 2);
         Searcher searcher = index.newSearcher()) {
      HnswSearchParams params = new HnswSearchParams(128, 0);
      long[][] found = new long[data[1].length][];
      SearchResults out = new SearchResults(K);
      SearchResults viaParams = new SearchResults(K);
      for (int q = 0; q < data[1].length; q++) {
        searcher.search(data[1][q], K, null, params, out);
        found[q] = out.ids();
        index.search(data[1][q], K, null, Params.parse("efSearch=128"), viaParams);
        assertArrayEquals(viaParams.ids(), found[q], "query " + q);
      }
      double recall = TestData.recall(truth, found, K);
      assertTrue(recall >= 0.97, "recall " + recall);
    }
  }

  @Test
  void paramsParseOnceWithTheOldChecks() {
    assertEquals(HnswSearchParams.DEFAULTS, HnswSearchParams.parse(null));
    assertEquals(new HnswSearchParams(40, 25), HnswSearchParams.parse(Params.parse("efSearch=40,rerank=25")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HnswSearchParams.parse(Params.parse("nprobe=3")));
    assertTrue(e.getMessage().contains("nprobe"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> HnswSearchParams.parse(Params.parse("efSearch=0")));
    assertTrue(e.getMessage().contains("efSearch must be positive, got 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> HnswSearchParams.parse(Params.parse("rerank=0")));
    assertTrue(e.getMessage().contains("rerank must be positive, got 0"), e.getMessage());
    assertEquals(16, new HnswSearchParams(8, 0).ef(16));
    assertEquals(30, new HnswSearchParams(64, 0).rerankDepth(10, 64));
    assertEquals(10, new HnswSearchParams(64, 4).rerankDepth(10, 64));
  }

  @Test
  void aClosedSearcherRefusesToSearch() {
    float[][][] data = TestData.baseAndQueries(6, 200, 1, DIM, 5, false);
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex index = HnswIndex.build(store, null, Metric.INNER_PRODUCT, Params.DEFAULT, null, 1)) {
      Searcher searcher = index.newSearcher();
      searcher.close();
      assertThrows(IllegalStateException.class,
          () -> searcher.search(data[1][0], K, null, HnswSearchParams.DEFAULTS, new SearchResults(K)));
    }
  }
}

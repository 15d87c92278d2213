package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The explicit searcher of the flat index against brute force, and its lifetime. */
class FlatSearcherTest {
  private static final int N = 700;
  private static final int DIM = 24;

  @Test
  void searcherFindsTheExactTopK() {
    Random rnd = new Random(3);
    float[][] base = Fixtures.randomVectors(rnd, N, DIM);
    long[] ids = Fixtures.distinctIds(rnd, N);
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Fixtures.store(base);
           FlatIndex index = FlatIndex.build(store, ids, metric);
           Searcher searcher = index.newSearcher()) {
        SearchParams params = index.searchParams(Params.DEFAULT);
        SearchResults out = new SearchResults(10);
        for (int t = 0; t < 10; t++) {
          float[] q = Fixtures.randomVectors(rnd, 1, DIM)[0];
          OrdinalFilter odd = t % 2 == 0 ? null : o -> o % 2 == 1;
          searcher.search(q, 10, odd, params, out);
          assertArrayEquals(BruteForce.topK(base, ids, q, 10, metric, odd == null ? null : odd::test), out.ids(),
              metric + " query " + t);
        }
      }
    }
  }

  @Test
  void paramsAreParsedOnceAndCheckedByKind() {
    try (VectorStore store = Fixtures.store(Fixtures.randomVectors(new Random(1), 20, DIM));
         FlatIndex index = FlatIndex.build(store, null, Metric.L2)) {
      assertSame(SearchParams.NONE, index.searchParams(null));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> index.searchParams(Params.parse("nprobe=4")));
      assertTrue(e.getMessage().contains("nprobe=4"), e.getMessage());
      SearchParams foreign = new SearchParams() {
        @Override
        public String toString() {
          return "efSearch=9";
        }
      };
      try (Searcher searcher = index.newSearcher()) {
        e = assertThrows(IllegalArgumentException.class,
            () -> searcher.search(new float[DIM], 3, null, foreign, new SearchResults(3)));
        assertTrue(e.getMessage().contains("efSearch=9"), e.getMessage());
      }
    }
  }

  @Test
  void aClosedSearcherOrIndexRefusesToSearch() {
    float[] q = new float[DIM];
    SearchResults out = new SearchResults(5);
    try (VectorStore store = Fixtures.store(Fixtures.randomVectors(new Random(2), 50, DIM))) {
      FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT);
      Searcher searcher = index.newSearcher();
      searcher.search(q, 5, null, null, out);
      assertEquals(5, out.count());
      searcher.close();
      assertThrows(IllegalStateException.class, () -> searcher.search(q, 5, null, null, out));
      Searcher other = index.newSearcher();
      index.close();
      assertThrows(IllegalStateException.class, () -> other.search(q, 5, null, null, out));
      assertThrows(IllegalStateException.class, index::newSearcher);
    }
  }
}

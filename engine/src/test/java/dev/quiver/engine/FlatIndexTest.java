package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** FlatIndex against a double-precision brute force written independently of the kernels. */
class FlatIndexTest {

  @ParameterizedTest
  @EnumSource(Metric.class)
  void singleAndBatchMatchBruteForce(Metric metric) {
    Random rnd = new Random(metric.ordinal() + 7);
    for (int trial = 0; trial < 6; trial++) {
      int dim = 1 + rnd.nextInt(70);
      int n = 1 + rnd.nextInt(700);
      int k = 1 + rnd.nextInt(20);
      float[][] base = Fixtures.randomVectors(rnd, n, dim);
      long[] ids = Fixtures.distinctIds(rnd, n);
      float[][] queries = Fixtures.randomVectors(rnd, 1 + rnd.nextInt(40), dim);
      try (VectorStore store = Fixtures.store(base); FlatIndex index = FlatIndex.build(store, ids, metric)) {
        SearchResults[] batch = Fixtures.results(queries.length, k);
        index.searchBatch(queries, k, null, Params.DEFAULT, batch, 1 + trial % 2);
        for (int q = 0; q < queries.length; q++) {
          long[] expected = BruteForce.topK(base, ids, queries[q], k, metric, null);
          SearchResults single = new SearchResults(k);
          index.search(queries[q], k, null, Params.DEFAULT, single);
          assertSameNeighbours(base, ids, queries[q], metric, expected, single);
          assertSameNeighbours(base, ids, queries[q], metric, expected, batch[q]);
        }
      }
    }
  }

  @Test
  void filterExcludesItemsAndStillReturnsK() {
    Random rnd = new Random(3);
    int n = 500, dim = 24, k = 10;
    float[][] base = Fixtures.randomVectors(rnd, n, dim);
    BitSet shown = new BitSet(n);
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(10) < 9) {
        shown.set(i);
      }
    }
    OrdinalFilter filter = OrdinalFilter.excluding(shown);
    float[][] queries = Fixtures.randomVectors(rnd, 9, dim);
    try (VectorStore store = Fixtures.store(base); FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      SearchResults[] batch = Fixtures.results(queries.length, k);
      OrdinalFilter[] filters = new OrdinalFilter[queries.length];
      java.util.Arrays.fill(filters, filter);
      filters[0] = null;
      index.searchBatch(queries, k, filters, Params.DEFAULT, batch, 2);
      for (int q = 0; q < queries.length; q++) {
        OrdinalFilter f = filters[q];
        long[] expected = BruteForce.topK(base, null, queries[q], k, Metric.INNER_PRODUCT, f);
        SearchResults single = new SearchResults(k);
        index.search(queries[q], k, f, Params.DEFAULT, single);
        assertEquals(k, single.count());
        assertSameNeighbours(base, null, queries[q], Metric.INNER_PRODUCT, expected, single);
        assertSameNeighbours(base, null, queries[q], Metric.INNER_PRODUCT, expected, batch[q]);
        for (int r = 0; r < single.count() && f != null; r++) {
          assertTrue(!shown.get((int) single.id(r)), "filtered item returned");
        }
      }
    }
  }

  @Test
  void kLargerThanIndexReturnsEverythingAndFilteredAllReturnsNothing() {
    Random rnd = new Random(5);
    float[][] base = Fixtures.randomVectors(rnd, 7, 5);
    try (VectorStore store = Fixtures.store(base); FlatIndex index = FlatIndex.build(store, null, Metric.L2)) {
      SearchResults out = index.search(base[3], 50);
      assertEquals(7, out.count());
      assertEquals(3, out.id(0));
      assertEquals(0f, out.score(0), 1e-6f);
      index.search(base[0], 5, ordinal -> false, Params.DEFAULT, out);
      assertEquals(0, out.count());
    }
  }

  @Test
  void emptyIndexReturnsNothing() {
    try (VectorStore store = VectorStore.allocate(4, 0); FlatIndex index = FlatIndex.build(store, null, Metric.COSINE)) {
      assertEquals(0, index.search(new float[] {1, 2, 3, 4}, 3).count());
      SearchResults[] out = Fixtures.results(2, 3);
      index.searchBatch(new float[][] {{1, 0, 0, 0}, {0, 1, 0, 0}}, 3, null, Params.DEFAULT, out, 2);
      assertEquals(0, out[1].count());
    }
  }

  @Test
  void badInputIsRejectedNamingTheValue() {
    Random rnd = new Random(1);
    try (VectorStore store = Fixtures.store(Fixtures.randomVectors(rnd, 10, 8));
         FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      var e = assertThrows(IllegalArgumentException.class, () -> index.search(new float[7], 3));
      assertTrue(e.getMessage().contains("dimension 7"), e.getMessage());
      float[] nan = new float[8];
      nan[5] = Float.NaN;
      e = assertThrows(IllegalArgumentException.class, () -> index.search(nan, 3));
      assertTrue(e.getMessage().contains("index 5") && e.getMessage().contains("NaN"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.search(new float[8], 0));
      assertTrue(e.getMessage().contains("k must be positive, got 0"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> index.search(new float[8], 3, null, Params.parse("efSearch=10"), new SearchResults(3)));
      assertTrue(e.getMessage().contains("efSearch=10"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> index.searchBatch(new float[][] {new float[8], new float[9]}, 3, null, Params.DEFAULT,
              Fixtures.results(2, 3), 1));
      assertTrue(e.getMessage().contains("query 1 has dimension 9"), e.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> FlatIndex.build(store, new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 1}, Metric.L2));
    }
  }

  @Test
  void searchAfterCloseFailsCleanly() {
    Random rnd = new Random(2);
    VectorStore store = Fixtures.store(Fixtures.randomVectors(rnd, 10, 8));
    FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT);
    store.close();
    assertEquals(3, index.search(new float[8], 3).count());
    index.close();
    assertThrows(IllegalStateException.class, () -> index.search(new float[8], 3));
    assertThrows(IllegalStateException.class, () -> store.get(0));
    index.close();
  }

  @Test
  void idsMapBothWays() {
    Random rnd = new Random(4);
    float[][] base = Fixtures.randomVectors(rnd, 50, 6);
    long[] ids = Fixtures.distinctIds(rnd, 50);
    try (VectorStore store = Fixtures.store(base); FlatIndex index = FlatIndex.build(store, ids, Metric.INNER_PRODUCT)) {
      for (int i = 0; i < ids.length; i++) {
        assertEquals(ids[i], index.id(i));
        assertEquals(i, index.ordinal(ids[i]));
      }
      assertEquals(-1, index.ordinal(Long.MIN_VALUE));
    }
  }

  /**
   * Same neighbours as the reference, allowing float-rounding ties: where ids differ, the scores
   * (in double precision) must be equal within float error.
   */
  static void assertSameNeighbours(float[][] base, long[] ids, float[] query, Metric metric,
                                   long[] expected, SearchResults actual) {
    assertEquals(expected.length, actual.count(), "result count");
    long[] got = actual.ids();
    for (int r = 0; r < expected.length; r++) {
      double exp = BruteForce.score(base[BruteForce.ordinalOf(ids, expected[r])], query, metric);
      double act = BruteForce.score(base[BruteForce.ordinalOf(ids, got[r])], query, metric);
      assertEquals(exp, act, 1e-4 * (1 + Math.abs(exp)), "rank " + r + " score");
      double reported = metric == Metric.L2 ? -actual.score(r) : actual.score(r);
      assertEquals(act, reported, 1e-3 * (1 + Math.abs(act)), "reported score at rank " + r);
    }
    long[] sortedExp = expected.clone();
    java.util.Arrays.sort(sortedExp);
    long[] sortedGot = got.clone();
    java.util.Arrays.sort(sortedGot);
    if (!java.util.Arrays.equals(sortedExp, sortedGot)) {
      // Only legitimate with a tie at the boundary: the k-th scores must match.
      double expLast = BruteForce.score(base[BruteForce.ordinalOf(ids, expected[expected.length - 1])], query, metric);
      double gotLast = BruteForce.score(base[BruteForce.ordinalOf(ids, got[got.length - 1])], query, metric);
      assertEquals(expLast, gotLast, 1e-5 * (1 + Math.abs(expLast)), "boundary tie");
    } else {
      assertArrayEquals(sortedExp, sortedGot);
    }
  }
}

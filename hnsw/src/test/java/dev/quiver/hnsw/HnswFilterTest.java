package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Filters applied during the walk, and the exact fallback for very selective ones. */
class HnswFilterTest {
  private static final int N = 6000;
  private static final int K = 10;
  private static final Params SEARCH = Params.parse("efSearch=64");
  private static float[][] base;
  private static float[][] queries;
  private static VectorStore store;
  private static HnswIndex index;
  /** The same graph walked on int8 codes. */
  private static HnswIndex coded;

  @BeforeAll
  static void build() {
    float[][][] data = TestData.baseAndQueries(21, N, 100, 24, 30, false);
    base = data[0];
    queries = data[1];
    store = TestData.store(base);
    index = HnswIndex.build(store, null, Metric.L2, Params.parse("M=12,efConstruction=80"), null, 2);
    coded = HnswIndex.build(store, null, Metric.L2, Params.parse("M=12,efConstruction=80,traverse=sq8"), null, 2);
  }

  @AfterAll
  static void close() {
    index.close();
    coded.close();
    store.close();
  }

  private static OrdinalFilter[] randomFilters(long seed, double share) {
    Random rnd = new Random(seed);
    OrdinalFilter[] filters = new OrdinalFilter[queries.length];
    for (int q = 0; q < queries.length; q++) {
      BitSet allowed = new BitSet(N);
      for (int i = 0; i < N; i++) {
        if (rnd.nextDouble() < share) {
          allowed.set(i);
        }
      }
      filters[q] = OrdinalFilter.allowing(allowed);
    }
    return filters;
  }

  private static void assertAllAllowed(long[][] found, OrdinalFilter[] filters) {
    for (int q = 0; q < found.length; q++) {
      for (long id : found[q]) {
        assertTrue(filters[q].test((int) id), "query " + q + " returned excluded item " + id);
      }
    }
  }

  @Test
  void halfFilteredKeepsRecallAndNeverReturnsExcluded() {
    OrdinalFilter[] filters = randomFilters(1, 0.5);
    long[][] found = TestData.search(index, queries, K, filters, SEARCH);
    assertAllAllowed(found, filters);
    double recall = TestData.recall(TestData.groundTruth(base, Metric.L2, queries, K, filters), found, K);
    assertTrue(recall >= 0.95, "recall@10 with half the items filtered: " + recall);
  }

  @Test
  void walkOnCodesHonoursFiltersAndTombstones() {
    OrdinalFilter[] filters = randomFilters(3, 0.5);
    long[][] found = TestData.search(coded, queries, K, filters, SEARCH);
    assertAllAllowed(found, filters);
    double recall = TestData.recall(TestData.groundTruth(base, Metric.L2, queries, K, filters), found, K);
    assertTrue(recall >= 0.95, "recall@10 of a walk on codes with half the items filtered: " + recall);
    // Ids, not node numbers: the graph is renumbered, so the tombstones' node numbers differ from the ids.
    Set<Long> removed = new HashSet<>();
    for (int q = 0; q < 5; q++) {
      coded.delete(found[q][0]);
      removed.add(found[q][0]);
    }
    for (int q = 0; q < 5; q++) {
      SearchResults out = new SearchResults(K);
      coded.search(queries[q], K, filters[q], SEARCH, out);
      for (long id : out.ids()) {
        assertFalse(removed.contains(id), "query " + q + " returned deleted item " + id);
      }
    }
  }

  @ParameterizedTest(name = "traverse={0}")
  @ValueSource(strings = {"f32", "sq8"})
  void selectiveFiltersFallBackToExactSearch(String traverse) {
    HnswIndex target = traverse.equals("sq8") ? coded : index;
    for (double share : new double[] {0.1, 0.01, 0.002}) {
      OrdinalFilter[] filters = randomFilters(2, share);
      long[][] found = TestData.search(target, queries, K, filters, SEARCH);
      assertAllAllowed(found, filters);
      int[][] truth = TestData.groundTruth(base, Metric.L2, queries, K, filters);
      for (int q = 0; q < queries.length; q++) {
        assertEquals(truth[q].length, found[q].length, "share " + share + " query " + q);
      }
      double recall = TestData.recall(truth, found, Math.min(K, minLength(truth)));
      assertTrue(recall >= 0.95, "share " + share + ": recall " + recall);
    }
  }

  @ParameterizedTest(name = "traverse={0}")
  @ValueSource(strings = {"f32", "sq8"})
  void recallAgainstExactAtEveryShareOfAllowedItems(String traverse) {
    HnswIndex target = traverse.equals("sq8") ? coded : index;
    for (double share : new double[] {0.9, 0.5, 0.1, 0.01}) {
      OrdinalFilter[] filters = randomFilters(7, share);
      long[][] found = TestData.search(target, queries, K, filters, SEARCH);
      assertAllAllowed(found, filters);
      double recall = TestData.recall(TestData.groundTruth(base, Metric.L2, queries, K, filters), found, K);
      assertTrue(recall >= 0.95, traverse + ", share " + share + ": recall@10 " + recall);
    }
  }

  /** Deletes a tenth of the items, then searches with no filter and with a filter on top. */
  @ParameterizedTest(name = "traverse={0}")
  @ValueSource(strings = {"f32", "sq8"})
  void recallAgainstExactWithDeletes(String traverse) {
    try (HnswIndex target = HnswIndex.build(store, null, Metric.L2,
        Params.parse("M=12,efConstruction=80,traverse=" + traverse), null, 2)) {
      BitSet removed = new BitSet(N);
      Random rnd = new Random(5);
      while (removed.cardinality() < N / 10) {
        int id = rnd.nextInt(N);
        removed.set(id);
        target.delete(id);
      }
      for (double share : new double[] {1, 0.5, 0.01}) {
        OrdinalFilter[] filters = share == 1 ? null : randomFilters(11, share);
        OrdinalFilter[] truthFilters = new OrdinalFilter[queries.length];
        for (int q = 0; q < queries.length; q++) {
          OrdinalFilter f = filters == null ? null : filters[q];
          truthFilters[q] = id -> !removed.get(id) && (f == null || f.test(id));
        }
        long[][] found = TestData.search(target, queries, K, filters, SEARCH);
        assertAllAllowed(found, truthFilters);
        double recall = TestData.recall(TestData.groundTruth(base, Metric.L2, queries, K, truthFilters), found, K);
        assertTrue(recall >= 0.95, traverse + ", share " + share + " after deletes: recall@10 " + recall);
      }
    }
  }

  @Test
  void exactFallbackEnumeratesAnExcludingFilter() {
    BitSet blocked = new BitSet(N);
    blocked.set(0, N);
    blocked.clear(100, 110);
    blocked.clear(N - 3, N);
    OrdinalFilter filter = OrdinalFilter.excluding(blocked);
    SearchResults out = new SearchResults(K);
    index.search(queries[1], K, filter, SEARCH, out);
    int[][] truth = TestData.groundTruth(base, Metric.L2, new float[][] {queries[1]}, K, new OrdinalFilter[] {filter});
    assertArrayEquals(java.util.Arrays.stream(truth[0]).asLongStream().toArray(), out.ids());
  }

  private static int minLength(int[][] rows) {
    int min = Integer.MAX_VALUE;
    for (int[] r : rows) {
      min = Math.min(min, r.length);
    }
    return Math.max(1, min);
  }

  @Test
  void filterAcceptingNothingGivesNoResults() {
    SearchResults out = new SearchResults(K);
    index.search(queries[0], K, ordinal -> false, SEARCH, out);
    assertEquals(0, out.count());
  }

  @Test
  void filterAcceptingFewerThanKGivesExactlyThose() {
    BitSet allowed = new BitSet();
    allowed.set(17);
    allowed.set(4242);
    allowed.set(5999);
    SearchResults out = new SearchResults(K);
    index.search(queries[3], K, OrdinalFilter.allowing(allowed), SEARCH, out);
    long[] ids = out.ids();
    java.util.Arrays.sort(ids);
    assertArrayEquals(new long[] {17, 4242, 5999}, ids);
  }

  @Test
  void batchAppliesEachQuerysOwnFilter() {
    OrdinalFilter[] filters = randomFilters(3, 0.3);
    SearchResults[] out = TestData.results(queries.length, K);
    index.searchBatch(queries, K, filters, SEARCH, out, 2);
    long[][] single = TestData.search(index, queries, K, filters, SEARCH);
    for (int q = 0; q < queries.length; q++) {
      assertArrayEquals(single[q], out[q].ids(), "query " + q);
    }
  }
}

package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Renumbering a built graph changes where nodes lie, never what a search or the ordinals mean. */
class ReorderTest {
  private static final int N = 3000;
  private static final int K = 10;
  private static final Params SEARCH = Params.parse("efSearch=48");

  @TempDir
  Path dir;

  private static long[] ids(int n) {
    Random rnd = new Random(4);
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = rnd.nextLong() >>> 1;
    }
    return ids;
  }

  private static HnswIndex build(VectorStore store, long[] ids, Metric metric, String extra, String reorder) {
    Params p = Params.parse("M=8,efConstruction=60,reorder=" + reorder + (extra.isEmpty() ? "" : "," + extra));
    return HnswIndex.build(store, ids, metric, p, null, 1);
  }

  @ParameterizedTest(name = "{0} {1}, ids {2}")
  @CsvSource({"ip,traverse=sq8,false", "ip,ipGraph=transform,true", "cosine,'',true", "l2,'',false",
      "l2,traverse=sq8,true"})
  void renumberedGraphFindsWhatTheInputOrderFinds(String metricName, String extra, boolean withIds) {
    Metric metric = Metric.fromName(metricName);
    float[][][] data = TestData.baseAndQueries(41, N, 60, 16, 12, true);
    long[] ids = withIds ? ids(N) : null;
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex input = build(store, ids, metric, extra, "none");
         HnswIndex renumbered = build(store, ids, metric, extra, "bfs")) {
      assertNull(input.graph().ordinals);
      assertNotNull(renumbered.graph().ordinals);
      SearchResults a = new SearchResults(K);
      SearchResults b = new SearchResults(K);
      for (float[] q : data[1]) {
        input.search(q, K, null, SEARCH, a);
        renumbered.search(q, K, null, SEARCH, b);
        // The same graph walked in the same order of scores: renumbering moves memory only.
        assertArrayEquals(a.ids(), b.ids());
        assertArrayEquals(a.scores(), b.scores());
      }
      int[][] truth = TestData.groundTruth(data[0], metric, data[1], K, null);
      long[][] found = TestData.search(renumbered, data[1], K, null, SEARCH);
      if (withIds) {
        for (long[] row : found) {
          for (int i = 0; i < row.length; i++) {
            row[i] = renumbered.ordinal(row[i]);
          }
        }
      }
      // Ids that pointed at the wrong items would show as a recall near 0.
      assertTrue(TestData.recall(truth, found, K) >= 0.8, "recall " + TestData.recall(truth, found, K));
    }
  }

  @Test
  void ordinalsIdsAndVectorsKeepTheirMeaning() {
    float[][][] data = TestData.baseAndQueries(42, N, 1, 16, 12, false);
    long[] ids = ids(N);
    float[] row = new float[16];
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex plain = build(store, null, Metric.L2, "", "bfs");
         HnswIndex withIds = build(store, ids, Metric.L2, "", "bfs")) {
      for (int i = 0; i < N; i++) {
        assertEquals(i, plain.id(i));
        assertEquals(i, plain.ordinal(i));
        plain.vector(i, row);
        assertArrayEquals(data[0][i], row);
        assertEquals(ids[i], withIds.id(i));
        assertEquals(i, withIds.ordinal(ids[i]));
        withIds.vector(i, row);
        assertArrayEquals(data[0][i], row);
      }
    }
  }

  @Test
  void neighboursLieCloserInMemory() {
    float[][][] data = TestData.baseAndQueries(43, N, 1, 16, 12, false);
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex input = build(store, null, Metric.L2, "", "none");
         HnswIndex renumbered = build(store, null, Metric.L2, "", "bfs")) {
      double before = nearLinks(input.graph(), N);
      double after = nearLinks(renumbered.graph(), N);
      assertTrue(after > 3 * before, "share of links to nodes within 64: " + after + " after, " + before + " before");
    }
  }

  /** Share of layer-0 links between nodes less than 64 apart (64 codes of 64 bytes fill a 4 KiB page). */
  private static double nearLinks(Graph g, int n) {
    int[] list = new int[g.slots0];
    long near = 0;
    long links = 0;
    for (int v = 0; v < n; v++) {
      int c = g.copyList(v, 0, list);
      for (int i = 0; i < c; i++) {
        near += Math.abs(list[i] - v) < 64 ? 1 : 0;
      }
      links += c;
    }
    return (double) near / links;
  }

  @Test
  void filtersDeletesAndAddsWorkInOrdinalsAcrossAFile() throws IOException {
    float[][][] data = TestData.baseAndQueries(44, N, 40, 16, 12, false);
    Path file = dir.resolve("renumbered.qvr");
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex built = build(store, null, Metric.L2, "traverse=sq8", "bfs")) {
      built.write(file);
    }
    Random rnd = new Random(5);
    try (HnswIndex index = (HnswIndex) IndexFormats.open(file)) {
      for (int i = 0; i < 20; i++) {
        assertEquals(N + i, index.add(data[1][i]));
      }
      BitSet allowed = new BitSet();
      for (int i = 0; i < N + 20; i++) {
        if (rnd.nextInt(3) > 0) {
          allowed.set(i);
        }
      }
      for (int i = 0; i < N + 20; i += 7) {
        assertTrue(index.delete(i));
      }
      SearchResults out = new SearchResults(K);
      for (float[] q : data[1]) {
        index.search(q, K, OrdinalFilter.allowing(allowed), SEARCH, out);
        assertEquals(K, out.count());
        for (long id : out.ids()) {
          assertEquals(id, index.ordinal(id), "ids are ordinals");
          assertTrue(allowed.get((int) id), "excluded ordinal " + id + " returned");
          assertFalse(id % 7 == 0, "deleted ordinal " + id + " returned");
        }
      }
      assertEquals(N + 1, index.search(data[1][1], 1).id(0), "an added item is its own nearest neighbour");
    }
  }
}

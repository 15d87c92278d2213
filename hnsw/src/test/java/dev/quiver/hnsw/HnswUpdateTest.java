package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Adds to a built graph (also while searching) and tombstone deletes. */
class HnswUpdateTest {
  private static final int K = 10;
  private static final Params BUILD = Params.parse("M=12,efConstruction=80");
  private static final Params SEARCH = Params.parse("efSearch=64");

  @Test
  void deletedItemsAreNeverReturned() {
    float[][][] data = TestData.baseAndQueries(41, 5000, 100, 24, 25, false);
    float[][] base = data[0];
    float[][] queries = data[1];
    long[] ids = new long[base.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1_000_000L + 7L * i;
    }
    try (VectorStore store = TestData.store(base);
         HnswIndex index = HnswIndex.build(store, ids, Metric.COSINE, BUILD, null, 2)) {
      BitSet gone = new BitSet();
      // Delete every query's three best items, and a tenth of everything else.
      for (int[] row : TestData.groundTruth(base, Metric.COSINE, queries, 3, null)) {
        for (int ordinal : row) {
          gone.set(ordinal);
        }
      }
      for (int i = 0; i < base.length; i += 10) {
        gone.set(i);
      }
      for (int i = gone.nextSetBit(0); i >= 0; i = gone.nextSetBit(i + 1)) {
        assertTrue(index.delete(ids[i]));
      }
      assertFalse(index.delete(ids[0]), "already deleted");
      assertFalse(index.delete(42), "no such id");
      assertEquals(gone.cardinality(), index.deletedCount());
      long[][] found = TestData.search(index, queries, K, null, SEARCH);
      OrdinalFilter[] live = new OrdinalFilter[queries.length];
      Arrays.fill(live, OrdinalFilter.excluding(gone));
      int[][] truth = TestData.groundTruth(base, Metric.COSINE, queries, K, live);
      long[][] ordinals = new long[found.length][];
      for (int q = 0; q < found.length; q++) {
        ordinals[q] = Arrays.stream(found[q]).map(id -> (id - 1_000_000L) / 7).toArray();
        for (long o : ordinals[q]) {
          assertFalse(gone.get((int) o), "query " + q + " returned deleted item " + o);
        }
      }
      double recall = TestData.recall(truth, ordinals, K);
      assertTrue(recall >= 0.95, "recall@10 over the live items: " + recall);
    }
  }

  @Test
  void itemsAddedAfterTheBuildAreFound() {
    float[][][] data = TestData.baseAndQueries(42, 6000, 100, 24, 25, true);
    float[][] base = data[0];
    float[][] queries = data[1];
    try (VectorStore half = TestData.store(Arrays.copyOf(base, 3000));
         HnswIndex index = HnswIndex.build(half, null, Metric.INNER_PRODUCT, BUILD, null, 1)) {
      for (int i = 3000; i < base.length; i++) {
        assertEquals(i, index.add(base[i]));
      }
      assertEquals(base.length, index.size());
      int[][] truth = TestData.groundTruth(base, Metric.INNER_PRODUCT, queries, K, null);
      double recall = TestData.recall(truth, TestData.search(index, queries, K, null, SEARCH), K);
      assertTrue(recall >= 0.95, "recall@10 after adding half the items: " + recall);
    }
  }

  @Test
  void addsRunWhileSearchesRun() throws InterruptedException {
    float[][][] data = TestData.baseAndQueries(43, 6000, 50, 16, 20, false);
    float[][] base = data[0];
    try (VectorStore first = TestData.store(Arrays.copyOf(base, 500));
         HnswIndex index = HnswIndex.build(first, null, Metric.L2, BUILD, null, 1)) {
      AtomicBoolean adding = new AtomicBoolean(true);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread[] searchers = new Thread[2];
      for (int t = 0; t < searchers.length; t++) {
        searchers[t] = new Thread(() -> {
          SearchResults out = new SearchResults(K);
          try {
            for (int i = 0; adding.get(); i++) {
              index.search(data[1][i % data[1].length], K, null, SEARCH, out);
              Set<Long> seen = new HashSet<>();
              for (int r = 0; r < out.count(); r++) {
                assertTrue(out.id(r) >= 0 && out.id(r) < index.size(), "id " + out.id(r));
                assertTrue(seen.add(out.id(r)), "duplicate id " + out.id(r));
              }
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        searchers[t].start();
      }
      Thread[] adders = new Thread[2];
      for (int t = 0; t < adders.length; t++) {
        int part = t;
        adders[t] = new Thread(() -> {
          try {
            for (int i = 500 + part; i < base.length; i += adders.length) {
              index.add(base[i]);
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        adders[t].start();
      }
      for (Thread t : adders) {
        t.join();
      }
      adding.set(false);
      for (Thread t : searchers) {
        t.join();
      }
      assertNull(failure.get());
      assertEquals(base.length, index.size());
      // Ordinals follow the order adds took them; each item must find itself.
      int selfFound = 0;
      SearchResults out = new SearchResults(1);
      for (int i = 0; i < index.size(); i++) {
        float[] v = vectorOf(index, i);
        index.search(v, 1, null, SEARCH, out);
        selfFound += out.id(0) == i ? 1 : 0;
      }
      assertTrue(selfFound >= 0.99 * index.size(), selfFound + " of " + index.size() + " items find themselves");
    }
  }

  private static float[] vectorOf(HnswIndex index, int ordinal) {
    float[] v = new float[index.dimension()];
    index.vector(ordinal, v);
    return v;
  }

  @Test
  void externalIdsOnAdd() {
    float[][][] data = TestData.baseAndQueries(44, 300, 3, 8, 4, false);
    long[] ids = new long[300];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 10L * i;
    }
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex index = HnswIndex.build(store, ids, Metric.L2, BUILD, null, 1)) {
      index.add(5L, data[1][0]);
      assertEquals(5L, index.search(data[1][0], 1).id(0));
      IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> index.add(30L, data[1][1]));
      assertTrue(dup.getMessage().contains("30"), dup.getMessage());
      assertThrows(IllegalStateException.class, () -> index.add(data[1][1]));
      assertEquals(300, index.ordinal(5L));
      assertTrue(index.delete(5L));
      assertTrue(index.search(data[1][0], 1).id(0) != 5L);
    }
  }
}

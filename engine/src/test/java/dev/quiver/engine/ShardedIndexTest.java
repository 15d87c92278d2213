package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Flat shards merged by {@link ShardedIndex} answer exactly as one flat index over all items, and as brute force. */
class ShardedIndexTest {
  private static final int N = 1500;
  private static final int DIM = 24;
  private static final int K = 10;
  private static final int[] CUTS = {0, 400, 401, 1500};

  @ParameterizedTest
  @EnumSource(Metric.class)
  void threeFlatShardsAnswerAsOneFlatIndex(Metric metric) {
    Random rnd = new Random(7);
    float[][] rows = Fixtures.randomVectors(rnd, N, DIM);
    float[][] queries = Fixtures.randomVectors(rnd, 40, DIM);
    BitSet excluded = new BitSet();
    for (int i = 0; i < N; i += 3) {
      excluded.set(i);
    }
    OrdinalFilter filter = OrdinalFilter.excluding(excluded);
    try (VectorStore all = Fixtures.store(rows);
         FlatIndex whole = FlatIndex.build(all, null, metric);
         VectorIndex sharded = ShardedIndex.of(shards(rows, metric))) {
      assertEquals(N, sharded.size());
      for (float[] q : queries) {
        SearchResults expected = new SearchResults(K);
        SearchResults actual = new SearchResults(K);
        whole.search(q, K, filter, Params.DEFAULT, expected);
        sharded.search(q, K, filter, Params.DEFAULT, actual);
        assertArrayEquals(expected.ids(), actual.ids());
        assertArrayEquals(expected.scores(), actual.scores());
        try (Searcher searcher = sharded.newSearcher()) {
          searcher.search(q, K, filter, sharded.searchParams(Params.DEFAULT), actual);
        }
        assertArrayEquals(expected.ids(), actual.ids(), "the sharded searcher");
        assertArrayEquals(expected.scores(), actual.scores());
        long[] brute = BruteForce.topK(rows, null, q, K, metric, filter);
        assertEquals(new java.util.HashSet<>(Arrays.asList(box(brute))),
            new java.util.HashSet<>(Arrays.asList(box(actual.ids()))));
      }
      SearchResults[] expected = Fixtures.results(queries.length, K);
      SearchResults[] actual = Fixtures.results(queries.length, K);
      whole.searchBatch(queries, K, null, Params.DEFAULT, expected, 2);
      sharded.searchBatch(queries, K, null, Params.DEFAULT, actual, 2);
      for (int q = 0; q < queries.length; q++) {
        assertArrayEquals(expected[q].ids(), actual[q].ids());
        assertArrayEquals(expected[q].scores(), actual[q].scores());
      }
    }
  }

  @Test
  void ordinalsAndVectorsAreGlobal() {
    float[][] rows = Fixtures.randomVectors(new Random(3), N, DIM);
    try (VectorIndex sharded = ShardedIndex.of(shards(rows, Metric.INNER_PRODUCT))) {
      float[] out = new float[DIM];
      for (int ordinal : new int[] {0, 399, 400, 401, 1499}) {
        assertEquals(ordinal, sharded.id(ordinal));
        assertEquals(ordinal, sharded.ordinal(ordinal));
        sharded.vector(ordinal, out);
        assertArrayEquals(rows[ordinal], out);
      }
      assertEquals(-1, sharded.ordinal(N));
      assertThrows(IllegalArgumentException.class, () -> sharded.vector(N, out));
    }
  }

  @Test
  void shardsOfDifferentShapesAreRefused() {
    float[][] rows = Fixtures.randomVectors(new Random(5), 100, DIM);
    List<VectorIndex> shards = new ArrayList<>();
    try (VectorStore store = Fixtures.store(rows)) {
      shards.add(FlatIndex.build(store, null, Metric.INNER_PRODUCT));
      shards.add(FlatIndex.build(store, null, Metric.L2));
      var e = assertThrows(IllegalArgumentException.class, () -> ShardedIndex.of(shards));
      assertEquals("shards differ: flat ip of dimension 24 and flat l2 of dimension 24", e.getMessage());
    } finally {
      shards.forEach(VectorIndex::close);
    }
  }

  private static List<VectorIndex> shards(float[][] rows, Metric metric) {
    List<VectorIndex> shards = new ArrayList<>();
    for (int s = 0; s + 1 < CUTS.length; s++) {
      try (VectorStore part = Fixtures.store(Arrays.copyOfRange(rows, CUTS[s], CUTS[s + 1]))) {
        shards.add(FlatIndex.build(part, null, metric));
      }
    }
    return shards;
  }

  private static Long[] box(long[] a) {
    return Arrays.stream(a).boxed().toArray(Long[]::new);
  }
}

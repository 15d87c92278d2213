package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.MutableIndex;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** An empty graph from the index-kind SPI, filled by adds, against exact search. */
class NewMutableTest {
  private static final int DIM = 16;

  @Test
  void anEmptyGraphTakesAddsAndDeletesAndMatchesExactSearch() {
    Random r = new Random(3);
    float[][] rows = new float[600][DIM];
    try (MutableIndex index = IndexFormats.forKind("hnsw").newMutable(DIM, Metric.INNER_PRODUCT,
        Params.parse("M=16,efConstruction=100"))) {
      assertEquals(0, index.search(new float[DIM], 5).count());
      for (int i = 0; i < rows.length; i++) {
        for (int d = 0; d < DIM; d++) {
          rows[i][d] = (float) r.nextGaussian();
        }
        assertEquals(i, index.add(rows[i]));
      }
      assertTrue(index.delete(7));
      assertFalse(index.delete(7));
      double hits = 0;
      for (int q = 0; q < 50; q++) {
        float[] query = rows[r.nextInt(rows.length)].clone();
        query[0] += 0.5f;
        SearchResults found = new SearchResults(10);
        index.search(query, 10, null, Params.parse("efSearch=100"), found);
        long[] exact = exact(rows, query, 10);
        for (long id : found.ids()) {
          assertTrue(id != 7, "a deleted item came back");
          hits += Arrays.stream(exact).anyMatch(e -> e == id) ? 1 : 0;
        }
      }
      assertTrue(hits / 500 >= 0.95, "recall@10 " + hits / 500);
    }
  }

  /** The ids of the k best rows by inner product in double precision, row 7 excluded. */
  private static long[] exact(float[][] rows, float[] q, int k) {
    Integer[] order = new Integer[rows.length];
    double[] score = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      order[i] = i;
      for (int d = 0; d < DIM; d++) {
        score[i] += (double) rows[i][d] * q[d];
      }
    }
    score[7] = Double.NEGATIVE_INFINITY;
    Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
    long[] out = new long[k];
    for (int i = 0; i < k; i++) {
      out[i] = order[i];
    }
    return out;
  }

  @Test
  void aKindWithoutAddsSaysSo() {
    UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
        UnsupportedOperationException.class,
        () -> IndexFormats.forKind("flat").newMutable(DIM, Metric.INNER_PRODUCT, Params.DEFAULT));
    assertTrue(e.getMessage().contains("'flat'"), e.getMessage());
  }
}

package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorStore;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScalarQuantizerTest {

  @Test
  void reconstructionIsWithinHalfAStepAndEstimatesWithinTheDocumentedBound() {
    Random rnd = new Random(5);
    for (int dim : new int[] {1, 7, 16, 33, 100}) {
      int n = 300;
      float[][] base = Data.gaussian(rnd, n, dim);
      for (float[] row : base) {
        row[0] = row[0] * 50 + 3; // one wide component, so steps differ
      }
      ScalarQuantizer sq;
      try (VectorStore store = Data.store(base)) {
        sq = ScalarQuantizer.train(store.segment(), n, dim);
      }
      byte[] code = new byte[dim];
      float[] decoded = new float[dim];
      ScalarQuantizer.Query query = new ScalarQuantizer.Query(dim, 1);
      float[] est = new float[1];
      float[] q = Data.gaussian(rnd, 1, dim)[0];
      sq.prepare(q, query);
      for (float[] row : base) {
        sq.encode(row, code, 0);
        sq.decode(code, 0, decoded);
        for (int j = 0; j < dim; j++) {
          assertTrue(Math.abs(row[j] - decoded[j]) <= sq.step()[j] / 2 * 1.0001 + 1e-6,
              "component " + j + ": " + row[j] + " vs " + decoded[j]);
        }
        double exact = Data.score(row, q, Metric.INNER_PRODUCT);
        query.estimateRows(java.lang.foreign.MemorySegment.ofArray(code), 0, 1, est);
        double bound = sq.errorBound(q);
        assertTrue(Math.abs(est[0] - exact) <= bound + 1e-4 * (1 + Math.abs(exact)),
            "dim " + dim + ": estimate " + est[0] + ", exact " + exact + ", bound " + bound);
        // The estimate is the reconstruction's score, to float rounding.
        assertEquals(Data.score(decoded, q, Metric.INNER_PRODUCT), est[0], 1e-4 * (1 + Math.abs(exact)));
      }
    }
  }

  @Test
  void constantComponentsAndOutOfRangeValuesAreHandled() {
    float[][] base = {{1, 2, 3}, {1, 4, 5}, {1, 6, 7}};
    ScalarQuantizer sq;
    try (VectorStore store = Data.store(base)) {
      sq = ScalarQuantizer.train(store.segment(), 3, 3);
    }
    byte[] code = new byte[3];
    float[] out = new float[3];
    sq.encode(new float[] {1, 2, 7}, code, 0);
    sq.decode(code, 0, out);
    assertEquals(1f, out[0], 0f);
    assertEquals(2f, out[1], 1e-6);
    assertEquals(7f, out[2], 1e-6);
    sq.encode(new float[] {5, -10, 100}, code, 0);
    sq.decode(code, 0, out);
    assertEquals(1f, out[0], 0f);
    assertEquals(2f, out[1], 1e-6);
    assertEquals(7f, out[2], 1e-6);
  }
}

package dev.quiver.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.Data;
import dev.quiver.pq.Rows;
import dev.quiver.pq.ScalarQuantizer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scores IVF-SQ8 returns are those of the reconstructions {@code c + r'}, to float rounding:
 * the query is not quantised, only the residuals are.
 */
class IvfSq8ScoresTest {
  private static final int N = 500;
  private static final int DIM = 13;

  @Test
  void scoresAreThoseOfTheReconstructionsWithinTheBound() {
    Random rnd = new Random(21);
    float[][] base = Data.clustered(rnd, N, DIM, 12, 0.7);
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Data.store(base);
           IvfSq8Index index = IvfSq8Index.build(store, null, metric, Params.parse("nlist=5"), 2)) {
        ScalarQuantizer sq = index.quantizer();
        Centroids coarse = index.centroids();
        SearchResults out = new SearchResults(N);
        byte[] code = new byte[DIM];
        for (int t = 0; t < 4; t++) {
          float[] q = Data.gaussian(rnd, 1, DIM)[0];
          if (metric == Metric.COSINE) {
            Rows.normalize(q, 0, DIM);
          }
          index.search(q, N, null, Params.parse("nprobe=5"), out);
          assertEquals(N, out.count());
          for (int i = 0; i < N; i++) {
            float[] x = base[(int) out.id(i)].clone();
            if (metric == Metric.COSINE) {
              Rows.normalize(x, 0, DIM);
            }
            int list = nearest(coarse, x, metric == Metric.L2);
            float[] r = new float[DIM];
            for (int j = 0; j < DIM; j++) {
              r[j] = x[j] - coarse.rows()[list * DIM + j];
            }
            sq.encode(r, code, 0);
            sq.decode(code, 0, r);
            for (int j = 0; j < DIM; j++) {
              x[j] = coarse.rows()[list * DIM + j] + r[j];
            }
            double expected = metric == Metric.L2 ? -Data.score(x, q, Metric.L2) : Data.score(x, q, Metric.INNER_PRODUCT);
            assertEquals(expected, out.score(i), 1e-4 * (1 + Math.abs(expected)), metric + " rank " + i);
          }
        }
      }
    }
  }

  private static int nearest(Centroids coarse, float[] x, boolean l2) {
    int best = 0;
    for (int c = 1; c < coarse.count(); c++) {
      if (coarse.rank(x, 0, c, l2) > coarse.rank(x, 0, best, l2)) {
        best = c;
      }
    }
    return best;
  }
}

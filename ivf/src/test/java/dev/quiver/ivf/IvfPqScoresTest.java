package dev.quiver.ivf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.Data;
import dev.quiver.pq.FastScan;
import dev.quiver.pq.ProductQuantizer;
import dev.quiver.pq.Rows;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scores IVF-PQ returns are those of the reconstructions {@code c + r'}: recomputed here from
 * the index's public quantizers (list by the coarse rank, residual encoded and decoded), they
 * match to float rounding with 8-bit tables, and within the fast-scan table bound with 4-bit ones.
 */
class IvfPqScoresTest {
  private static final int N = 500;
  private static final int DIM = 16;

  @ParameterizedTest
  @ValueSource(strings = {"m=8", "m=8,fastscan=0", "m=8,nbits=4"})
  void scoresAreThoseOfTheReconstructions(String pqParams) {
    Random rnd = new Random(17);
    float[][] base = Data.clustered(rnd, N, DIM, 12, 0.7);
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Data.store(base);
           IvfPqIndex index = IvfPqIndex.build(store, null, metric, Params.parse("nlist=5," + pqParams), 2)) {
        ProductQuantizer pq = index.quantizer();
        Centroids coarse = index.centroids();
        SearchResults out = new SearchResults(N);
        for (int t = 0; t < 4; t++) {
          float[] q = Data.gaussian(rnd, 1, DIM)[0];
          if (metric == Metric.COSINE) {
            Rows.normalize(q, 0, DIM);
          }
          index.search(q, N, null, Params.parse("nprobe=5"), out);
          assertEquals(N, out.count());
          float tolerance = tolerance(pq, q, metric, index.fastScan());
          for (int i = 0; i < N; i++) {
            float[] x = reconstruction(base[(int) out.id(i)], coarse, pq, metric);
            double expected = metric == Metric.L2 ? -Data.score(x, q, Metric.L2)
                : Data.score(x, q, Metric.INNER_PRODUCT);
            assertEquals(expected, out.score(i), tolerance + 1e-4 * (1 + Math.abs(expected)),
                metric + " " + pqParams + " rank " + i);
          }
        }
      }
    }
  }

  /** 0 for float tables; the quantised tables' bound (twice it for L2, which doubles q.r') for fast scan. */
  private static float tolerance(ProductQuantizer pq, float[] q, Metric metric, boolean fastScan) {
    if (!fastScan) {
      return 0f;
    }
    float[] table = new float[pq.tableSize()];
    pq.innerProductTable(q, table);
    FastScan.Tables tables = new FastScan.Tables(pq.m(), pq.nbits());
    tables.quantize(table);
    assertTrue(tables.errorBound() > 0);
    return (metric == Metric.L2 ? 2 : 1) * tables.errorBound() * 1.001f;
  }

  private static float[] reconstruction(float[] item, Centroids coarse, ProductQuantizer pq, Metric metric) {
    float[] x = item.clone();
    if (metric == Metric.COSINE) {
      Rows.normalize(x, 0, DIM);
    }
    int list = 0;
    for (int c = 1; c < coarse.count(); c++) {
      if (coarse.rank(x, 0, c, metric == Metric.L2) > coarse.rank(x, 0, list, metric == Metric.L2)) {
        list = c;
      }
    }
    float[] r = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      r[j] = x[j] - coarse.rows()[list * DIM + j];
    }
    byte[] code = new byte[pq.m()];
    pq.encode(r, 1, code, 1);
    pq.decode(code, 0, r);
    for (int j = 0; j < DIM; j++) {
      x[j] = coarse.rows()[list * DIM + j] + r[j];
    }
    return x;
  }
}

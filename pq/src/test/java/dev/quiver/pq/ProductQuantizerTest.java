package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ProductQuantizerTest {

  @Test
  void adcIsTheExactScoreOfTheReconstructionAndWithinItsBound() {
    Random rnd = new Random(1);
    for (int[] shape : new int[][] {{24, 6, 8}, {30, 5, 4}, {16, 16, 6}, {9, 3, 8}, {16, 8, 8}, {48, 16, 8}}) {
      int dim = shape[0], m = shape[1], nbits = shape[2];
      int n = 600;
      float[][] base = Data.clustered(rnd, n, dim, 20, 0.5);
      ProductQuantizer pq = ProductQuantizer.train(Data.flat(base), n, dim, m, nbits, 8, 3, 2);
      byte[] codes = new byte[n * m];
      pq.encode(Data.flat(base), n, codes, 2);
      float[] ipTable = new float[pq.tableSize()];
      float[] l2Table = new float[pq.tableSize()];
      float[] decoded = new float[dim];
      float[] scores = new float[n];
      float[] l2Scores = new float[n + 1];
      for (int t = 0; t < 5; t++) {
        float[] q = Data.gaussian(rnd, 1, dim)[0];
        pq.innerProductTable(q, ipTable);
        pq.distanceTable(q, l2Table);
        pq.scoreRows(ipTable, codes, n, 0.5f, false, scores, 0);
        pq.scoreRows(l2Table, codes, n, 0f, true, l2Scores, 1);
        double qNorm = Math.sqrt(-Data.score(q, new float[dim], dev.quiver.engine.Metric.L2));
        for (int i = 0; i < n; i++) {
          pq.decode(codes, i * m, decoded);
          double ipDecoded = Data.score(decoded, q, dev.quiver.engine.Metric.INNER_PRODUCT);
          double l2Decoded = -Data.score(decoded, q, dev.quiver.engine.Metric.L2);
          double err = Math.sqrt(-Data.score(decoded, base[i], dev.quiver.engine.Metric.L2));
          double eps = 1e-4 * (1 + Math.abs(ipDecoded) + l2Decoded);
          assertEquals(ipDecoded + 0.5, scores[i], eps);
          assertEquals(-l2Decoded, l2Scores[i + 1], eps);
          assertEquals(ipDecoded, pq.score(ipTable, codes, i * m), eps);
          assertEquals(l2Decoded, pq.score(l2Table, codes, i * m), eps);
          double ipExact = Data.score(base[i], q, dev.quiver.engine.Metric.INNER_PRODUCT);
          assertTrue(Math.abs(ipDecoded - ipExact) <= qNorm * err + eps);
          double l2Exact = Math.sqrt(-Data.score(base[i], q, dev.quiver.engine.Metric.L2));
          assertTrue(Math.abs(Math.sqrt(l2Decoded) - l2Exact) <= err + eps);
        }
      }
    }
  }

  @Test
  void encodingPicksTheNearestCodewordOfEverySubQuantizer() {
    Random rnd = new Random(2);
    int dim = 12, m = 4, n = 400;
    float[][] base = Data.gaussian(rnd, n, dim);
    ProductQuantizer pq = ProductQuantizer.train(Data.flat(base), n, dim, m, 5, 5, 1, 1);
    byte[] codes = new byte[n * m];
    pq.encode(Data.flat(base), n, codes, 2);
    int dsub = dim / m;
    float[] books = pq.codebooks();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double chosen = 0;
        double best = Double.MAX_VALUE;
        for (int c = 0; c < pq.ksub(); c++) {
          double d = 0;
          for (int t = 0; t < dsub; t++) {
            double e = base[i][j * dsub + t] - books[(j * pq.ksub() + c) * dsub + t];
            d += e * e;
          }
          best = Math.min(best, d);
          if (c == (codes[i * m + j] & 0xff)) {
            chosen = d;
          }
        }
        assertEquals(best, chosen, 1e-5 * (1 + best));
      }
    }
  }

  @Test
  void trainedCodebooksReconstructFarBetterThanTheMean() {
    Random rnd = new Random(3);
    int dim = 16, n = 2000;
    float[][] base = Data.clustered(rnd, n, dim, 50, 0.2);
    ProductQuantizer pq = ProductQuantizer.train(Data.flat(base), n, dim, 4, 8, 10, 1, 2);
    byte[] codes = new byte[n * 4];
    pq.encode(Data.flat(base), n, codes, 2);
    float[] decoded = new float[dim];
    double err = 0;
    double variance = 0;
    float[] mean = new float[dim];
    for (float[] row : base) {
      for (int j = 0; j < dim; j++) {
        mean[j] += row[j] / n;
      }
    }
    for (int i = 0; i < n; i++) {
      pq.decode(codes, i * 4, decoded);
      err -= Data.score(decoded, base[i], dev.quiver.engine.Metric.L2);
      variance -= Data.score(mean, base[i], dev.quiver.engine.Metric.L2);
    }
    assertTrue(err < 0.1 * variance, err + " vs " + variance);
  }

  @Test
  void badShapesAreRefused() {
    float[] pts = new float[300 * 8];
    var e = assertThrows(IllegalArgumentException.class, () -> ProductQuantizer.train(pts, 300, 8, 3, 8, 5, 1, 1));
    assertTrue(e.getMessage().contains("m=3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ProductQuantizer.train(pts, 300, 8, 2, 9, 5, 1, 1));
    assertTrue(e.getMessage().contains("nbits=9"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ProductQuantizer.train(pts, 100, 8, 2, 8, 5, 1, 1));
    assertTrue(e.getMessage().contains("256") && e.getMessage().contains("got 100"), e.getMessage());
  }
}

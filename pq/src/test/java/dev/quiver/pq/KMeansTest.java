package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KMeansTest {

  @Test
  void recoversWellSeparatedClusters() {
    Random rnd = new Random(3);
    int dim = 12;
    int k = 8;
    float[][] centres = new float[k][dim];
    for (int c = 0; c < k; c++) {
      for (int j = 0; j < dim; j++) {
        centres[c][j] = (float) (20 * rnd.nextGaussian());
      }
    }
    int n = 800;
    float[] points = new float[n * dim];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        points[i * dim + j] = (float) (centres[i % k][j] + 0.1 * rnd.nextGaussian());
      }
    }
    KMeans.Result r = KMeans.train(points, n, dim, k, 20, 42, 2);
    // Every true centre has a centroid within the noise, and the error is the noise variance.
    for (float[] centre : centres) {
      double best = Double.MAX_VALUE;
      for (int c = 0; c < k; c++) {
        double d = 0;
        for (int j = 0; j < dim; j++) {
          double e = centre[j] - r.centroids()[c * dim + j];
          d += e * e;
        }
        best = Math.min(best, d);
      }
      assertTrue(best < 0.05, "no centroid near a true centre: " + best);
    }
    assertEquals(dim * 0.01, r.meanSquaredError(), dim * 0.01 * 0.3);
  }

  @Test
  void assignmentMatchesBruteForceNearestCentroid() {
    Random rnd = new Random(5);
    for (int[] shape : new int[][] {{300, 7, 70}, {129, 33, 65}, {64, 16, 1}}) {
      int n = shape[0], dim = shape[1], k = shape[2];
      float[] pts = Data.flat(Data.gaussian(rnd, n, dim));
      float[] cents = Data.flat(Data.gaussian(rnd, k, dim));
      int[] labels = new int[n];
      float[] ranks = new float[n];
      for (boolean l2 : new boolean[] {true, false}) {
        new Centroids(cents, k, dim).assign(pts, n, l2, labels, ranks, 2);
        for (int i = 0; i < n; i++) {
          double best = Double.NEGATIVE_INFINITY;
          for (int c = 0; c < k; c++) {
            double dot = 0, d2 = 0;
            for (int j = 0; j < dim; j++) {
              dot += (double) pts[i * dim + j] * cents[c * dim + j];
              double e = pts[i * dim + j] - cents[c * dim + j];
              d2 += e * e;
            }
            best = Math.max(best, l2 ? -d2 : dot);
          }
          double got = 0;
          for (int j = 0; j < dim; j++) {
            double e = l2 ? pts[i * dim + j] - cents[labels[i] * dim + j] : 0;
            got += l2 ? e * e : (double) pts[i * dim + j] * cents[labels[i] * dim + j];
          }
          got = l2 ? -got : got;
          assertEquals(best, got, 1e-4 * (1 + Math.abs(best)), "point " + i + " " + (l2 ? "l2" : "ip"));
        }
      }
    }
  }

  @Test
  void sameSeedSameCentroidsWhateverTheThreads() {
    Random rnd = new Random(9);
    float[] pts = Data.flat(Data.gaussian(rnd, 2000, 10));
    KMeans.Result a = KMeans.train(pts, 2000, 10, 30, 8, 7, 1);
    KMeans.Result b = KMeans.train(pts, 2000, 10, 30, 8, 7, 2);
    assertArrayEquals(a.centroids(), b.centroids());
    KMeans.Result c = KMeans.train(pts, 2000, 10, 30, 8, 8, 2);
    assertTrue(!java.util.Arrays.equals(a.centroids(), c.centroids()));
  }

  @Test
  void trainingLowersTheErrorBelowSeeding() {
    Random rnd = new Random(2);
    float[] pts = Data.flat(Data.clustered(rnd, 3000, 16, 40, 0.3));
    double one = KMeans.train(pts, 3000, 16, 40, 1, 1, 2).meanSquaredError();
    double many = KMeans.train(pts, 3000, 16, 40, 15, 1, 2).meanSquaredError();
    assertTrue(many < one, many + " vs " + one);
  }

  @Test
  void emptyClustersAreSplitNotLeftBehind() {
    // 10 distinct points repeated, 16 centroids: some clusters must empty; all stay finite and
    // every distinct point ends on a centroid of its own.
    Random rnd = new Random(4);
    int dim = 5;
    float[][] distinct = Data.gaussian(rnd, 10, dim);
    int n = 200;
    float[] pts = new float[n * dim];
    for (int i = 0; i < n; i++) {
      System.arraycopy(distinct[i % 10], 0, pts, i * dim, dim);
    }
    KMeans.Result r = KMeans.train(pts, n, dim, 16, 10, 3, 1);
    for (float v : r.centroids()) {
      assertTrue(Float.isFinite(v));
    }
    assertEquals(0.0, r.meanSquaredError(), 1e-4);
  }

  @Test
  void sphericalCentroidsAreUnitDirectionsOfTheClusters() {
    // Unit points around 6 random directions at different spreads: every centroid has length 1
    // and points along one true direction, each direction found once.
    Random rnd = new Random(9);
    int dim = 12;
    int k = 6;
    int n = 3000;
    float[][] directions = Data.gaussian(rnd, k, dim);
    for (float[] d : directions) {
      unit(d, 0, dim);
    }
    float[] pts = new float[n * dim];
    for (int i = 0; i < n; i++) {
      int c = i % k;
      double spread = 0.05 + 0.05 * c;
      for (int j = 0; j < dim; j++) {
        pts[i * dim + j] = (float) (directions[c][j] + spread * rnd.nextGaussian());
      }
      unit(pts, i * dim, dim);
    }
    KMeans.Result r = KMeans.train(pts, n, dim, k, 20, 5, 2, true);
    boolean[] found = new boolean[k];
    for (int c = 0; c < k; c++) {
      double norm = 0;
      for (int j = 0; j < dim; j++) {
        norm += (double) r.centroids()[c * dim + j] * r.centroids()[c * dim + j];
      }
      assertEquals(1.0, Math.sqrt(norm), 1e-5, "centroid " + c + " length");
      int best = -1;
      double bestCos = -2;
      for (int t = 0; t < k; t++) {
        double cos = 0;
        for (int j = 0; j < dim; j++) {
          cos += (double) r.centroids()[c * dim + j] * directions[t][j];
        }
        if (cos > bestCos) {
          bestCos = cos;
          best = t;
        }
      }
      assertTrue(bestCos > 0.98, "centroid " + c + " cosine to its direction " + bestCos);
      assertTrue(!found[best], "direction " + best + " found twice");
      found[best] = true;
    }
  }

  private static void unit(float[] v, int off, int dim) {
    double s = 0;
    for (int j = off; j < off + dim; j++) {
      s += (double) v[j] * v[j];
    }
    float inv = (float) (1 / Math.sqrt(s));
    for (int j = off; j < off + dim; j++) {
      v[j] *= inv;
    }
  }

  @Test
  void fewerPointsThanCentroidsIsAClearError() {
    var e = assertThrows(IllegalArgumentException.class, () -> KMeans.train(new float[40], 10, 4, 16, 5, 1, 1));
    assertTrue(e.getMessage().contains("k=16") && e.getMessage().contains("got 10"), e.getMessage());
  }
}

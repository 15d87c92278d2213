package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorIndex;
import dev.quiver.simd.VectorKernels;

/** Reading back the vectors of an index, and what a product-quantizer reconstruction must be. */
public final class Reconstructions {
  private Reconstructions() {}

  /** Every item's vector, by ordinal. */
  public static float[][] vectors(VectorIndex index) {
    float[][] all = new float[index.size()][index.dimension()];
    for (int i = 0; i < all.length; i++) {
      index.vector(i, all[i]);
    }
    return all;
  }

  /** The vector as an index keeps it before quantizing: normalised for cosine. */
  public static float[] normalised(float[] v, Metric metric) {
    float[] x = v.clone();
    if (metric == Metric.COSINE) {
      VectorKernels.normalize(x);
    }
    return x;
  }

  /**
   * Each sub-vector of {@code reconstruction - offset} is a codebook entry, the one nearest to
   * that of {@code x - offset} (to float rounding): the decoding of {@code x}'s code.
   */
  public static void assertNearestCodewords(ProductQuantizer pq, float[] x, float[] reconstruction, float[] offset) {
    int dsub = pq.dimension() / pq.m();
    float[] books = pq.codebooks();
    for (int j = 0; j < pq.m(); j++) {
      double best = Double.POSITIVE_INFINITY;
      double chosen = Double.NaN;
      double nearestEntry = Double.POSITIVE_INFINITY;
      for (int c = 0; c < pq.ksub(); c++) {
        double toX = 0;
        double toReconstruction = 0;
        for (int t = 0; t < dsub; t++) {
          double e = books[(j * pq.ksub() + c) * dsub + t];
          int d = j * dsub + t;
          toX += sq(x[d] - offset[d] - e);
          toReconstruction += sq(reconstruction[d] - offset[d] - e);
        }
        best = Math.min(best, toX);
        if (toReconstruction < nearestEntry) {
          nearestEntry = toReconstruction;
          chosen = toX;
        }
      }
      assertTrue(nearestEntry <= 1e-10, "sub-vector " + j + " is no codebook entry: " + nearestEntry);
      assertTrue(chosen <= best + 1e-5 * (1 + best), "sub-vector " + j + ": entry at " + chosen + ", nearest " + best);
    }
  }

  private static double sq(double d) {
    return d * d;
  }
}

package dev.quiver.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The test helper's eigenvalues against a matrix built from known ones. */
class PcaTest {
  @Test
  void recoversKnownEigenvalues() {
    int d = 12;
    double[] expected = new double[d];
    for (int i = 0; i < d; i++) {
      expected[i] = i * i + 0.5;
    }
    double[][] q = randomOrthonormal(d, new Random(5));
    double[][] m = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        for (int k = 0; k < d; k++) {
          m[i][j] += q[i][k] * expected[k] * q[j][k];
        }
      }
    }
    double[] actual = Pca.eigenvalues(m);
    Arrays.sort(actual);
    assertArrayEquals(expected, actual, 1e-9);
  }

  private static double[][] randomOrthonormal(int d, Random rnd) {
    double[][] q = new double[d][d];
    for (int j = 0; j < d; j++) {
      for (int i = 0; i < d; i++) {
        q[i][j] = rnd.nextGaussian();
      }
      for (int p = 0; p < j; p++) {
        double dot = 0;
        for (int i = 0; i < d; i++) {
          dot += q[i][j] * q[i][p];
        }
        for (int i = 0; i < d; i++) {
          q[i][j] -= dot * q[i][p];
        }
      }
      double norm = 0;
      for (int i = 0; i < d; i++) {
        norm += q[i][j] * q[i][j];
      }
      for (int i = 0; i < d; i++) {
        q[i][j] /= Math.sqrt(norm);
      }
    }
    return q;
  }
}

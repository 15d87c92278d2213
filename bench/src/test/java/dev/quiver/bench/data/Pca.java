package dev.quiver.bench.data;

import java.util.Arrays;

/** The share of variance in the top principal directions, by Jacobi eigenvalues of the covariance. */
final class Pca {
  private Pca() {}

  static double topFraction(float[][] rows, int top) {
    double[] eigen = eigenvalues(covariance(rows));
    Arrays.sort(eigen);
    double total = 0;
    double head = 0;
    for (int i = 0; i < eigen.length; i++) {
      total += eigen[i];
      if (i >= eigen.length - top) {
        head += eigen[i];
      }
    }
    return head / total;
  }

  static double[][] covariance(float[][] rows) {
    int d = rows[0].length;
    double[] mean = new double[d];
    for (float[] r : rows) {
      for (int j = 0; j < d; j++) {
        mean[j] += r[j] / (double) rows.length;
      }
    }
    double[][] c = new double[d][d];
    for (float[] r : rows) {
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          c[i][j] += (r[i] - mean[i]) * (r[j] - mean[j]) / rows.length;
        }
      }
    }
    return c;
  }

  /** Cyclic Jacobi rotations until the off-diagonal is negligible; the matrix is symmetric. */
  static double[] eigenvalues(double[][] symmetric) {
    int d = symmetric.length;
    double[][] a = new double[d][];
    for (int i = 0; i < d; i++) {
      a[i] = symmetric[i].clone();
    }
    for (int sweep = 0; sweep < 100 && offDiagonal(a) > 1e-22; sweep++) {
      for (int p = 0; p < d; p++) {
        for (int q = p + 1; q < d; q++) {
          if (Math.abs(a[p][q]) < 1e-300) {
            continue;
          }
          double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < d; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < d; k++) {
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
        }
      }
    }
    double[] eigen = new double[d];
    for (int i = 0; i < d; i++) {
      eigen[i] = a[i][i];
    }
    return eigen;
  }

  private static double offDiagonal(double[][] a) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a.length; j++) {
        if (i != j) {
          sum += a[i][j] * a[i][j];
        }
      }
    }
    return sum;
  }
}

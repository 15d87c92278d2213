package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reference the GPU tests compare with must itself be right. */
class CpuReferenceTest {
  @Test
  void erfMatchesTheIntegralOfTheGaussian() {
    for (double x = -4; x <= 4; x += 0.125) {
      assertEquals(simpsonErf(x), CpuReference.erf(x), 2e-7, "erf(" + x + ")");
    }
  }

  @Test
  void l2NormalisedRowsHaveNormOneOverTemperature() {
    SplittableRandom random = new SplittableRandom(1);
    DenseNetwork net = CpuReference.oddNetwork(random);
    int rows = 9;
    double[] y = CpuReference.forward(net, CpuReference.randomInput(random, rows * 37), rows);
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int c = 0; c < 31; c++) {
        ss += y[r * 31 + c] * y[r * 31 + c];
      }
      assertEquals(1 / (double) net.temperature(), Math.sqrt(ss), 1e-9);
    }
  }

  @Test
  void meanPoolingIsSumOverCount() {
    SplittableRandom random = new SplittableRandom(2);
    float[] table = CpuReference.randomInput(random, 10 * 3);
    int[] ids = {1, 4, 4, 9};
    int[] offsets = {0, 3, 3, 4};
    double[] sum = CpuReference.pool(table, 3, ids, offsets, 3, Pooling.SUM);
    double[] mean = CpuReference.pool(table, 3, ids, offsets, 3, Pooling.MEAN);
    for (int c = 0; c < 3; c++) {
      assertEquals(sum[c] / 3, mean[c], 1e-12);
      assertEquals(0, mean[3 + c]);
      assertEquals(table[27 + c], mean[6 + c], 1e-12);
    }
    assertTrue(sum[0] != 0);
  }

  private static double simpsonErf(double x) {
    int n = 2000;
    double h = x / n;
    double s = 1 + Math.exp(-x * x);
    for (int i = 1; i < n; i++) {
      double t = i * h;
      s += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
    }
    return 2 / Math.sqrt(Math.PI) * s * h / 3;
  }
}

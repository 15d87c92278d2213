package dev.quiver.gpu;

import dev.quiver.tower.Activation;
import java.util.List;
import java.util.SplittableRandom;

/** What the GPU must compute, in double precision, written as plainly as possible. */
final class CpuReference {
  private CpuReference() {}

  static double[] forward(DenseNetwork net, float[] input, int rows) {
    double[] x = new double[rows * net.inputDim()];
    for (int i = 0; i < x.length; i++) {
      x[i] = input[i];
    }
    for (LayerWeights l : net.layers()) {
      double[] y = new double[rows * l.out()];
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < l.out(); o++) {
          double s = l.bias() == null ? 0 : l.bias()[o];
          for (int k = 0; k < l.in(); k++) {
            s += x[r * l.in() + k] * (double) l.weights()[o * l.in() + k];
          }
          y[r * l.out() + o] = activate(l, s);
        }
      }
      x = y;
    }
    if (net.l2Normalize()) {
      int d = net.outputDim();
      for (int r = 0; r < rows; r++) {
        double ss = 0;
        for (int c = 0; c < d; c++) {
          ss += x[r * d + c] * x[r * d + c];
        }
        double f = 1 / (Math.max(Math.sqrt(ss), 1e-12) * net.temperature());
        for (int c = 0; c < d; c++) {
          x[r * d + c] *= f;
        }
      }
    }
    return x;
  }

  static double activate(LayerWeights l, double v) {
    return switch (l.activation()) {
      case NONE -> v;
      case RELU -> Math.max(v, 0);
      case LEAKY_RELU -> v >= 0 ? v : v * l.negativeSlope();
      case SIGMOID -> 1 / (1 + Math.exp(-v));
      case TANH -> Math.tanh(v);
      case SILU -> v / (1 + Math.exp(-v));
      default -> throw new IllegalArgumentException(l.activation() + " has no device kernel");
    };
  }

  /** Pooled rows of {@code table} ({@code dim} wide) for CSR bags. */
  static double[] pool(float[] table, int dim, int[] ids, int[] offsets, int bags, Pooling pooling) {
    double[] out = new double[bags * dim];
    for (int b = 0; b < bags; b++) {
      int n = offsets[b + 1] - offsets[b];
      for (int p = offsets[b]; p < offsets[b + 1]; p++) {
        for (int c = 0; c < dim; c++) {
          out[b * dim + c] += table[ids[p] * dim + c];
        }
      }
      if (pooling == Pooling.MEAN && n > 0) {
        for (int c = 0; c < dim; c++) {
          out[b * dim + c] /= n;
        }
      }
    }
    return out;
  }

  /** A layer with weights uniform in +-1/sqrt(in), as PyTorch initialises nn.Linear. */
  static LayerWeights randomLayer(SplittableRandom random, int in, int out, boolean bias,
      Activation activation) {
    double bound = 1 / Math.sqrt(in);
    float[] w = new float[in * out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextDouble(-bound, bound);
    }
    float[] b = null;
    if (bias) {
      b = new float[out];
      for (int i = 0; i < out; i++) {
        b[i] = (float) random.nextDouble(-bound, bound);
      }
    }
    // A slope other than PyTorch's default 0.01, so that a slope dropped on the way shows.
    return new LayerWeights(in, out, w, b, activation, activation == Activation.LEAKY_RELU ? 0.1f : 0f);
  }

  /** Odd widths, every activation, one layer without bias, L2 norm with a temperature. */
  static DenseNetwork oddNetwork(SplittableRandom random) {
    return new DenseNetwork(List.of(
        randomLayer(random, 37, 129, true, Activation.LEAKY_RELU),
        randomLayer(random, 129, 65, false, Activation.SILU),
        randomLayer(random, 65, 33, true, Activation.TANH),
        randomLayer(random, 33, 17, true, Activation.SIGMOID),
        randomLayer(random, 17, 31, true, Activation.NONE)), true, 0.07f);
  }

  /** The user tower's MLP of the benchmarks: 416-512-256-64, ReLU, L2 normalised. */
  static DenseNetwork towerNetwork(SplittableRandom random) {
    return new DenseNetwork(List.of(
        randomLayer(random, 416, 512, true, Activation.RELU),
        randomLayer(random, 512, 256, true, Activation.RELU),
        randomLayer(random, 256, 64, true, Activation.NONE)), true, 1f);
  }

  static float[] randomInput(SplittableRandom random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  /**
   * Largest error of {@code actual} against {@code expected}, row by row, relative to the row's
   * largest magnitude (so a component that cancels to near zero is judged on the row's scale).
   */
  static double maxRowRelativeError(double[] expected, float[] actual, int rows, int cols) {
    double worst = 0;
    for (int r = 0; r < rows; r++) {
      double scale = 1e-30;
      for (int c = 0; c < cols; c++) {
        scale = Math.max(scale, Math.abs(expected[r * cols + c]));
      }
      for (int c = 0; c < cols; c++) {
        worst = Math.max(worst, Math.abs(actual[r * cols + c] - expected[r * cols + c]) / scale);
      }
    }
    return worst;
  }
}

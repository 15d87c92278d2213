package dev.quiver.tower;

/** The activations a layer may end with, computed as PyTorch defines them. */
public enum Activation {
  NONE, RELU, LEAKY_RELU, SIGMOID, TANH, SILU,
  /** {@code nn.GELU()}: x Φ(x), with the exact normal CDF. */
  GELU,
  /** {@code nn.GELU(approximate='tanh')}. */
  GELU_TANH,
  /** {@code nn.ELU(alpha)}; alpha is passed as the layer's parameter. */
  ELU,
  HARDSWISH,
  /** {@code nn.PReLU}: a learned slope per channel (or one for all), applied by {@link DenseLayer}. */
  PRELU;

  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  /** Parses a config name (see docs/TOWER.md); null means none. */
  public static Activation parse(String s) {
    if (s == null) {
      return NONE;
    }
    return switch (s) {
      case "none", "identity", "linear" -> NONE;
      case "relu" -> RELU;
      case "leaky_relu" -> LEAKY_RELU;
      case "sigmoid" -> SIGMOID;
      case "tanh" -> TANH;
      case "silu", "swish" -> SILU;
      case "gelu" -> GELU;
      case "gelu_tanh" -> GELU_TANH;
      case "elu" -> ELU;
      case "hardswish" -> HARDSWISH;
      case "prelu" -> PRELU;
      default -> throw new IllegalArgumentException("activation '" + s + "'; expected none, relu, "
          + "leaky_relu, sigmoid, tanh, silu, gelu, gelu_tanh, elu, hardswish or prelu");
    };
  }

  /**
   * Applies this activation to {@code a[from, to)} in place; {@code p} is leaky_relu's slope,
   * elu's alpha or prelu's single slope.
   */
  public void apply(float[] a, int from, int to, float p) {
    // One loop per activation, so that each is a plain loop the JIT can vectorise.
    switch (this) {
      case NONE -> { }
      case RELU -> {
        for (int i = from; i < to; i++) {
          a[i] = Math.max(a[i], 0f);
        }
      }
      case LEAKY_RELU, PRELU -> {
        for (int i = from; i < to; i++) {
          a[i] = a[i] >= 0f ? a[i] : a[i] * p;
        }
      }
      case SIGMOID -> {
        for (int i = from; i < to; i++) {
          a[i] = (float) (1.0 / (1.0 + Math.exp(-a[i])));
        }
      }
      case TANH -> {
        for (int i = from; i < to; i++) {
          a[i] = (float) Math.tanh(a[i]);
        }
      }
      case SILU -> {
        for (int i = from; i < to; i++) {
          a[i] = (float) (a[i] / (1.0 + Math.exp(-a[i])));
        }
      }
      case GELU -> {
        for (int i = from; i < to; i++) {
          a[i] = (float) (0.5 * a[i] * erfc(-a[i] * SQRT_HALF));
        }
      }
      case GELU_TANH -> {
        for (int i = from; i < to; i++) {
          double x = a[i];
          a[i] = (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
        }
      }
      case ELU -> {
        for (int i = from; i < to; i++) {
          a[i] = a[i] > 0f ? a[i] : (float) (p * Math.expm1(a[i]));
        }
      }
      case HARDSWISH -> {
        for (int i = from; i < to; i++) {
          double x = a[i];
          a[i] = (float) (x * Math.min(Math.max(x + 3, 0), 6) / 6);
        }
      }
    }
  }

  /**
   * The complementary error function, to about 1e-16 relative: W. J. Cody's rational
   * approximations, as in most libms (the JDK has none). erfc rather than erf so that
   * {@code 0.5 x erfc(-x / sqrt 2)} keeps its relative accuracy for large negative x.
   */
  static double erfc(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 0.5) {
      return 1 - x * ratio(x * x, ERF_P, ERF_Q);
    } else if (ax < 4) {
      r = Math.exp(-ax * ax) * ratio(ax, ERFC_P, ERFC_Q);
    } else {
      double z = 1 / (ax * ax);
      r = Math.exp(-ax * ax) / ax * (ONE_OVER_SQRT_PI + z * ratio(z, TAIL_P, TAIL_Q));
    }
    return x < 0 ? 2 - r : r;
  }

  private static double ratio(double x, double[] p, double[] q) {
    double n = p[p.length - 1], d = 1;
    for (int i = p.length - 2; i >= 0; i--) {
      n = n * x + p[i];
    }
    for (int i = q.length - 1; i >= 0; i--) {
      d = d * x + q[i];
    }
    return n / d;
  }

  private static final double ONE_OVER_SQRT_PI = 0.5641895835477562869;
  // Cody (1969), coefficients lowest order first; each denominator's leading 1 is implicit.
  private static final double[] ERF_P = {3.20937758913846947e03, 3.77485237685302021e02,
      1.13864154151050156e02, 3.16112374387056560e00, 1.85777706184603153e-1};
  private static final double[] ERF_Q = {2.84423683343917062e03, 1.28261652607737228e03,
      2.44024637934444173e02, 2.36012909523441209e01};
  private static final double[] ERFC_P = {1.23033935479799725272e03, 2.05107837782607146532e03,
      1.71204761263407058314e03, 8.81952221241769090411e02, 2.98635138197400131132e02,
      6.61191906371416294775e01, 8.88314979438837594118e00, 5.64188496988670089180e-1,
      2.15311535474403846343e-8};
  private static final double[] ERFC_Q = {1.23033935480374942043e03, 3.43936767414372163696e03,
      4.36261909014324715820e03, 3.29079923573345962678e03, 1.62138957456669018874e03,
      5.37181101862009857509e02, 1.17693950891312499305e02, 1.57449261107098347253e01};
  private static final double[] TAIL_P = {-6.58749161529837803157e-4, -1.60837851487422766278e-2,
      -1.25781726111229246204e-1, -3.60344899949804439429e-1, -3.05326634961232344035e-1,
      -1.63153871373020978498e-2};
  private static final double[] TAIL_Q = {2.33520497626869185443e-3, 6.05183413124413191178e-2,
      5.27905102951428412248e-1, 1.87295284992346725209e00, 2.56852019228982242072e00};
}

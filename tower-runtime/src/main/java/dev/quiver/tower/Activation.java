package dev.quiver.tower;

/** The activations a layer may end with, computed as PyTorch defines them. */
public enum Activation {
  NONE, RELU, LEAKY_RELU, SIGMOID, TANH, SILU;

  /** Parses a config name: none, relu, leaky_relu, sigmoid, tanh, silu; null means none. */
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
      default -> throw new IllegalArgumentException(
          "activation '" + s + "'; expected none, relu, leaky_relu, sigmoid, tanh or silu");
    };
  }

  /** Applies this activation to {@code a[from, to)} in place; {@code slope} is leaky_relu's. */
  public void apply(float[] a, int from, int to, float slope) {
    // One loop per activation, so that each is a plain loop the JIT can vectorise.
    switch (this) {
      case NONE -> { }
      case RELU -> {
        for (int i = from; i < to; i++) {
          a[i] = Math.max(a[i], 0f);
        }
      }
      case LEAKY_RELU -> {
        for (int i = from; i < to; i++) {
          a[i] = a[i] >= 0f ? a[i] : a[i] * slope;
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
    }
  }
}

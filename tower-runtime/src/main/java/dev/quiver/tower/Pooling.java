package dev.quiver.tower;

/**
 * How the rows of a multi-valued feature's values combine, as {@code nn.EmbeddingBag}'s modes
 * and TensorFlow's combiners: an empty bag is a missing value (zeros, or the missing row).
 */
public enum Pooling {
  SUM, MEAN, MAX,
  /** The sum divided by the square root of the number of values. */
  SQRTN;

  /** Parses a config name; null means sum. */
  static Pooling parse(String s) {
    if (s == null) {
      return SUM;
    }
    return switch (s) {
      case "sum" -> SUM;
      case "mean" -> MEAN;
      case "max" -> MAX;
      case "sqrtn" -> SQRTN;
      default -> throw new IllegalArgumentException("pooling '" + s + "'; expected sum, mean, max or sqrtn");
    };
  }
}

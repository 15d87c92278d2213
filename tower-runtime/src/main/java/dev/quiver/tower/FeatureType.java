package dev.quiver.tower;

/** How a raw feature value becomes a row of its embedding table. */
public enum FeatureType {
  /** Ids hashed into buckets by {@link FeatureHash}; possibly several values, pooled. */
  ID,
  /** A number bucketised by fixed boundaries, optionally also passed on normalised. */
  NUMERIC,
  /** A string looked up in a vocabulary; row 0 is out-of-vocabulary. */
  CATEGORICAL;

  static FeatureType parse(String s) {
    return switch (s == null ? "" : s) {
      case "id" -> ID;
      case "numeric" -> NUMERIC;
      case "categorical" -> CATEGORICAL;
      default -> throw new IllegalArgumentException(
          "type '" + s + "'; expected id, numeric or categorical");
    };
  }
}

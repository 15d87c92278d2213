package dev.quiver.engine;

import java.util.Locale;

/**
 * How a query is compared with an item. Scores are always "higher is better" inside the engine;
 * {@link #L2} reports squared distances to callers (lower is better) and negates them internally.
 */
public enum Metric {
  /** Inner product, the two-tower score. Vectors are used as given. */
  INNER_PRODUCT("ip"),
  /** Cosine similarity: vectors are normalised on the way in, then scored by inner product. */
  COSINE("cosine"),
  /** Squared Euclidean distance. */
  L2("l2");

  private final String shortName;

  Metric(String shortName) {
    this.shortName = shortName;
  }

  /** The name used on the command line and in files: {@code ip}, {@code cosine}, {@code l2}. */
  public String shortName() {
    return shortName;
  }

  /** Parses {@code ip}, {@code cosine} or {@code l2} (or the enum name), case-insensitively. */
  public static Metric fromName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Metric m : values()) {
      if (m.shortName.equals(n) || m.name().toLowerCase(Locale.ROOT).equals(n)) {
        return m;
      }
    }
    throw new IllegalArgumentException("Unknown metric '" + name + "'; expected ip, cosine or l2");
  }

  /** Converts an internal higher-is-better score to what callers see. */
  public float externalScore(float internal) {
    return this == L2 ? -internal : internal;
  }
}

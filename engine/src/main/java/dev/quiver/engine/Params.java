package dev.quiver.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Index parameters by name, for a build ({@code M=16,efConstruction=200}, {@code nlist=1024}) or
 * a search ({@code efSearch=64}, {@code nprobe=16}), as the sweep's {@code --build} and
 * {@code --search} options write them. Immutable; parse once and reuse, never per query.
 */
public final class Params {
  public static final Params DEFAULT = new Params(Map.of());

  private final Map<String, String> values;

  private Params(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** Parses {@code "k1=v1,k2=v2"}; blank gives {@link #DEFAULT}. */
  public static Params parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return DEFAULT;
    }
    Map<String, String> map = new HashMap<>();
    for (String part : spec.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("parameter '" + part.trim() + "' is not key=value");
      }
      String name = part.substring(0, eq).trim();
      String previous = map.put(name, part.substring(eq + 1).trim());
      if (previous != null) {
        throw new IllegalArgumentException("parameter " + name + " is given twice in '" + spec + "' ("
            + name + "=" + previous + " and " + part.trim() + ")");
      }
    }
    return new Params(map);
  }

  /** The integer value of {@code name}, or {@code fallback} when absent. */
  public int intValue(String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parameter " + name + "=" + v + " is not an integer");
    }
  }

  /** These parameters with {@code name} set to {@code value} (replacing any value it had). */
  public Params with(String name, String value) {
    if (name.isBlank() || name.contains("=") || name.contains(",") || value.contains(",")) {
      throw new IllegalArgumentException("parameter '" + name + "=" + value + "' cannot be written as key=value,...");
    }
    Map<String, String> map = new HashMap<>(values);
    map.put(name, value);
    return new Params(map);
  }

  public Map<String, String> asMap() {
    return values;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Params p && values.equals(p.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** {@code k1=v1,k2=v2} in key order; empty for no parameters. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      sb.append(sb.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }
}

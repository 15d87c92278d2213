package dev.quiver.pq;

import dev.quiver.engine.Params;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks of the build and search parameters of the quantized and inverted-file kinds: unknown
 * names are refused (a typo must not silently fall back to a default) and values are range
 * checked, each failure an {@link IllegalArgumentException} naming the parameter and its value.
 */
public final class Knobs {
  private Knobs() {}

  /** Refuses any parameter of {@code params} not in {@code known}; {@code what} names the context. */
  public static void only(Params params, String what, Set<String> known) {
    if (params == null) {
      return;
    }
    for (String name : params.asMap().keySet()) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown " + what + " parameter '" + name + "'; known: "
            + new TreeSet<>(known));
      }
    }
  }

  /** The value of {@code name}, or {@code fallback}, which must be at least {@code min}. */
  public static int atLeast(Params params, String name, int fallback, int min) {
    int v = params == null ? fallback : params.intValue(name, fallback);
    if (v < min) {
      throw new IllegalArgumentException("parameter " + name + "=" + v + " must be at least " + min);
    }
    return v;
  }
}

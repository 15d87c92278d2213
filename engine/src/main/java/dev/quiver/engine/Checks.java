package dev.quiver.engine;

/** Argument checks shared by the public API; each message names the bad value. */
public final class Checks {
  private Checks() {}

  public static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  public static void index(String name, long value, long size) {
    if (value < 0 || value >= size) {
      throw new IllegalArgumentException(name + " " + value + " out of range [0, " + size + ")");
    }
  }

  /** Checks that {@code out} is an output array of exactly {@code length} floats. */
  public static void output(float[] out, int length) {
    if (out == null) {
      throw new IllegalArgumentException("out is null");
    }
    if (out.length != length) {
      throw new IllegalArgumentException("out has length " + out.length + ", expected " + length);
    }
  }

  /** Checks that {@code k} is positive; results hold min(k, eligible items). */
  public static void k(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
  }

  /**
   * As {@link #vector(float[], int, String)} for item {@code index} of a batch named {@code what}:
   * the message names the item, and is built only on failure.
   */
  public static void vector(float[] v, int dimension, String what, int index) {
    if (v == null || v.length != dimension || !allFinite(v)) {
      vector(v, dimension, what + " " + index);
    }
  }

  private static boolean allFinite(float[] v) {
    for (float x : v) {
      if (!Float.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  /** Checks the length of {@code v} and that every component is finite. */
  public static void vector(float[] v, int dimension, String what) {
    if (v == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    if (v.length != dimension) {
      throw new IllegalArgumentException(
          what + " has dimension " + v.length + ", expected " + dimension);
    }
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(what + " has a non-finite component at index " + i + ": " + v[i]);
      }
    }
  }
}

package dev.quiver.serving.recall;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A growable bit set with one writer at a time and lock-free readers: a reader sees a bit as
 * soon as {@link #set} has returned. Marks the hidden items of a main index and the dead entries
 * of a delta segment, checked for every candidate of a search.
 */
final class ConcurrentBits {
  private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

  private volatile long[] words;
  private volatile int count;

  ConcurrentBits(int capacity) {
    words = new long[Math.max(1, (capacity + 63) >>> 6)];
  }

  boolean get(int bit) {
    long[] w = words;
    int i = bit >>> 6;
    return i < w.length && ((long) WORD.getAcquire(w, i) & (1L << bit)) != 0;
  }

  /** Sets {@code bit}; returns false when it was set already. */
  synchronized boolean set(int bit) {
    int i = bit >>> 6;
    long[] w = words;
    if (i >= w.length) {
      // Readers holding the old array miss only bits set after they read it.
      w = Arrays.copyOf(w, Math.max(i + 1, w.length * 2));
      words = w;
    }
    long old = (long) WORD.getAcquire(w, i);
    if ((old & (1L << bit)) != 0) {
      return false;
    }
    WORD.setRelease(w, i, old | (1L << bit));
    count++;
    return true;
  }

  /** Number of bits set; zero lets a search skip the check. */
  int count() {
    return count;
  }
}

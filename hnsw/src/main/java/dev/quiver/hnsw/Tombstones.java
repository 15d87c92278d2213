package dev.quiver.hnsw;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The deleted nodes of an index: a bit per node. Deleted nodes stay in the graph, where they keep
 * steering walks, but are never returned. Reads are lock-free and see a delete as soon as
 * {@link #add} has returned; writers synchronise on this object.
 */
final class Tombstones {
  private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

  private volatile long[] words;
  private volatile int count;

  Tombstones(int capacity) {
    words = new long[Math.max(1, (capacity + 63) >>> 6)];
  }

  /** Tombstones from stored words (a file), with their population count. */
  static Tombstones of(long[] stored) {
    Tombstones t = new Tombstones(stored.length * 64);
    System.arraycopy(stored, 0, t.words, 0, stored.length);
    int n = 0;
    for (long w : stored) {
      n += Long.bitCount(w);
    }
    t.count = n;
    return t;
  }

  boolean contains(int node) {
    long[] w = words;
    int i = node >>> 6;
    return i < w.length && ((long) WORD.getAcquire(w, i) & (1L << node)) != 0;
  }

  /** Marks {@code node} deleted; returns false when it already was. */
  synchronized boolean add(int node) {
    ensureCapacity(node + 1);
    long bit = 1L << node;
    long before = (long) WORD.getAndBitwiseOrRelease(words, node >>> 6, bit);
    if ((before & bit) != 0) {
      return false;
    }
    count = count + 1;
    return true;
  }

  int count() {
    return count;
  }

  /** The words covering nodes {@code [0, nodes)}, for writing. */
  synchronized long[] snapshot(int nodes) {
    return Arrays.copyOf(words, (nodes + 63) >>> 6);
  }

  private void ensureCapacity(int nodes) {
    int needed = (nodes + 63) >>> 6;
    if (words.length < needed) {
      words = Arrays.copyOf(words, Math.max(needed, words.length * 2));
    }
  }
}

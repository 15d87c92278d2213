package dev.quiver.hnsw;

/**
 * The nodes a graph walk has already scored, as one bit per node: 128 KiB for a million nodes,
 * which stays in the core's L2 cache where a mark per node would not. A second bit set records
 * which words a walk has set, and starting the next walk clears only those, so a walk costs
 * nothing for the nodes it never touches. Marking is branch-free: whether a neighbour is new is
 * as good as random, and a mispredicted branch per neighbour costs more than the marking. Not
 * thread-safe: one per thread.
 */
final class Visited {
  private long[] bits = new long[0];
  /** Bit w: word w of {@link #bits} may be non-zero. */
  private long[] dirty = new long[0];

  /** Starts a walk over nodes {@code [0, capacity)}. */
  void reset(int capacity) {
    long[] b = bits;
    long[] d = dirty;
    for (int i = 0; i < d.length; i++) {
      for (long x = d[i]; x != 0; x &= x - 1) {
        b[(i << 6) + Long.numberOfTrailingZeros(x)] = 0;
      }
      d[i] = 0;
    }
    int words = (capacity + 63) >>> 6;
    if (b.length < words) {
      int grown = Math.max(words, b.length + (b.length >> 1));
      bits = new long[grown];
      dirty = new long[(grown + 63) >>> 6];
    }
  }

  /** Marks {@code node}; returns true when it was not yet marked in this walk. */
  boolean add(int node) {
    return mark(node) != 0;
  }

  /**
   * Marks {@code nodes[0..n)} and appends those not yet marked to {@code out} from index
   * {@code m}; returns the new end. {@code out} must have room for {@code m + n} entries.
   */
  int addAll(int[] nodes, int n, int[] out, int m) {
    for (int i = 0; i < n; i++) {
      int node = nodes[i];
      out[m] = node;
      m += mark(node);
    }
    return m;
  }

  /** Sets node's bit; returns 1 when it was clear, else 0. */
  private int mark(int node) {
    int w = node >>> 6;
    long word = bits[w];
    bits[w] = word | (1L << node);
    dirty[w >>> 6] |= 1L << w;
    return (int) (~word >>> node) & 1;
  }
}

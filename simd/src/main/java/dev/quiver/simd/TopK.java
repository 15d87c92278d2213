package dev.quiver.simd;

import java.util.function.IntPredicate;

/**
 * Bounded selection of the {@code k} best (highest) scores with their ordinals: a binary min-heap
 * on primitive arrays whose root is the worst kept score. Reusable across queries with
 * {@link #reset}; allocates only when {@code k} grows. Not thread-safe: keep one per thread.
 *
 * <p>Ties are broken toward the smaller ordinal, so results are deterministic whatever order the
 * candidates arrive in (a batched scan and a single-query scan return the same list).
 */
public final class TopK {
  private float[] scores;
  private int[] ordinals;
  private int k;
  private int size;

  public TopK(int k) {
    scores = new float[Math.max(1, k)];
    ordinals = new int[Math.max(1, k)];
    reset(k);
  }

  /** Empties the heap for a new query keeping at most {@code k} entries. */
  public void reset(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    if (scores.length < k) {
      scores = new float[k];
      ordinals = new int[k];
    }
    this.k = k;
    this.size = 0;
  }

  public int size() {
    return size;
  }

  public int k() {
    return k;
  }

  public boolean isFull() {
    return size == k;
  }

  /**
   * The score a candidate must beat to enter: the worst kept score when full, else negative
   * infinity. A candidate equal to it enters only with a smaller ordinal, which {@link #offer}
   * decides.
   */
  public float threshold() {
    return size == k ? scores[0] : Float.NEGATIVE_INFINITY;
  }

  /** Ordinal of the {@code i}-th kept entry, in heap order (unsorted); {@code i < size()}. */
  public int ordinalAt(int i) {
    return ordinals[i];
  }

  /** Score of the {@code i}-th kept entry, in heap order (unsorted); {@code i < size()}. */
  public float scoreAt(int i) {
    return scores[i];
  }

  /** Offers one candidate; returns true when it was kept. */
  public boolean offer(int ordinal, float score) {
    if (size < k) {
      siftUp(size++, ordinal, score);
      return true;
    }
    if (!worse(scores[0], ordinals[0], score, ordinal)) {
      return false;
    }
    siftDown(ordinal, score);
    return true;
  }

  /**
   * Offers {@code scores[from..to)} as the ordinals {@code ordinalBase + (i - from)}, skipping a
   * vector at a time the scores below the current threshold. {@code accept}, when not null, is
   * asked only about scores good enough to enter. Ties are resolved exactly when blocks arrive in
   * ascending ordinal order, as in a scan.
   */
  public void offerBlock(float[] blockScores, int from, int to, int ordinalBase, IntPredicate accept) {
    int i = from;
    while (i < to) {
      if (size == k) {
        // Strictly above excludes ties with the root; those only enter with a smaller ordinal,
        // and ordinals rise through a block, so a tie here can never win.
        i = VectorKernels.firstAbove(blockScores, i, to, scores[0]);
        if (i >= to) {
          return;
        }
      }
      int ordinal = ordinalBase + (i - from);
      if (accept == null || accept.test(ordinal)) {
        offer(ordinal, blockScores[i]);
      }
      i++;
    }
  }

  /**
   * Empties the heap into the arrays, best first (descending score, ascending ordinal on ties).
   * Returns the number of entries written.
   */
  public int drainDescending(int[] outOrdinals, float[] outScores) {
    int n = size;
    for (int i = n - 1; i >= 0; i--) {
      outOrdinals[i] = ordinals[0];
      outScores[i] = scores[0];
      int lastOrd = ordinals[size - 1];
      float lastScore = scores[size - 1];
      size--;
      if (size > 0) {
        siftDown(lastOrd, lastScore);
      }
    }
    return n;
  }

  /** True when (sa, oa) ranks below (sb, ob): lower score, or equal score and larger ordinal. */
  private static boolean worse(float sa, int oa, float sb, int ob) {
    return sa < sb || (sa == sb && oa > ob);
  }

  private void siftUp(int pos, int ordinal, float score) {
    while (pos > 0) {
      int parent = (pos - 1) >>> 1;
      if (!worse(score, ordinal, scores[parent], ordinals[parent])) {
        break;
      }
      scores[pos] = scores[parent];
      ordinals[pos] = ordinals[parent];
      pos = parent;
    }
    scores[pos] = score;
    ordinals[pos] = ordinal;
  }

  /** Replaces the root with (ordinal, score) and restores the heap. */
  private void siftDown(int ordinal, float score) {
    int pos = 0;
    int half = size >>> 1;
    while (pos < half) {
      int child = 2 * pos + 1;
      int right = child + 1;
      if (right < size && worse(scores[right], ordinals[right], scores[child], ordinals[child])) {
        child = right;
      }
      if (!worse(scores[child], ordinals[child], score, ordinal)) {
        break;
      }
      scores[pos] = scores[child];
      ordinals[pos] = ordinals[child];
      pos = child;
    }
    scores[pos] = score;
    ordinals[pos] = ordinal;
  }
}

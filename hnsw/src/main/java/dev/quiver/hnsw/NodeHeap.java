package dev.quiver.hnsw;

/**
 * A binary heap of (node, score) pairs packed into one {@code long} each, so that a push or a pop
 * moves single primitives and compares them with one instruction. The high 32 bits hold the
 * score as an order-preserving int, the low 32 bits the complement of the node, so that on equal
 * scores the smaller node ranks higher; results are then independent of arrival order.
 *
 * <p>A {@linkplain #worstFirst() worst-first} heap keeps a bounded result list (its root is the
 * entry to evict); a {@linkplain #bestFirst() best-first} heap is the candidate queue of a graph
 * walk. Both are the same min-heap over codes; the best-first one stores complemented codes.
 * Not thread-safe: one per thread, reused across queries.
 */
final class NodeHeap {
  private final long mask;
  /**
   * The heap, then {@link #SENTINEL} at {@code heap[size]}: the missing right child of the last
   * parent, which never wins a comparison, so sifting down picks a child without a bounds test
   * and the compiler can pick it with a conditional move instead of a branch that the random
   * order of scores would mispredict half the time.
   */
  private long[] heap = newArray(64);
  private int size;

  private static final long SENTINEL = Long.MAX_VALUE;

  private NodeHeap(long mask) {
    this.mask = mask;
  }

  private static long[] newArray(int length) {
    long[] a = new long[length];
    java.util.Arrays.fill(a, SENTINEL);
    return a;
  }

  /** Root = lowest score: the result list of a search, bounded by {@link #pushBounded}. */
  static NodeHeap worstFirst() {
    return new NodeHeap(0L);
  }

  /** Root = highest score: the candidate queue of a search. */
  static NodeHeap bestFirst() {
    return new NodeHeap(-1L);
  }

  static long encode(int node, float score) {
    int bits = Float.floatToRawIntBits(score);
    int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
    return ((long) sortable << 32) | (~node & 0xffffffffL);
  }

  static int node(long code) {
    return ~(int) code;
  }

  static float score(long code) {
    int sortable = (int) (code >>> 32);
    return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
  }

  void clear() {
    size = 0;
    heap[0] = SENTINEL;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The root's score: worst kept (worst-first) or best pending (best-first). */
  float topScore() {
    return score(heap[0] ^ mask);
  }

  int topNode() {
    return node(heap[0] ^ mask);
  }

  /** The {@code i}-th entry in heap order as a plain code ({@link #node}, {@link #score}). */
  long codeAt(int i) {
    return heap[i] ^ mask;
  }

  void push(int node, float score) {
    if (size + 1 == heap.length) {
      long[] grown = newArray(heap.length * 2);
      System.arraycopy(heap, 0, grown, 0, size);
      heap = grown;
    }
    siftUp(size++, encode(node, score) ^ mask);
    heap[size] = SENTINEL;
  }

  /**
   * Worst-first only: adds the entry and evicts the worst when more than {@code bound} are
   * kept. The caller has checked that the entry beats the root when the heap is full.
   */
  void pushBounded(int node, float score, int bound) {
    if (size < bound) {
      push(node, score);
    } else {
      replaceTop(encode(node, score));
    }
  }

  /** Removes the root and returns its plain code. */
  long pop() {
    long top = heap[0];
    long last = heap[--size];
    heap[size] = SENTINEL;
    if (size > 0) {
      siftDown(last);
    }
    return top ^ mask;
  }

  private void replaceTop(long plainCode) {
    siftDown(plainCode ^ mask);
  }

  private void siftUp(int pos, long code) {
    long[] h = heap;
    while (pos > 0) {
      int parent = (pos - 1) >>> 1;
      if (h[parent] <= code) {
        break;
      }
      h[pos] = h[parent];
      pos = parent;
    }
    h[pos] = code;
  }

  private void siftDown(long code) {
    long[] h = heap;
    int n = size;
    int pos = 0;
    int half = n >>> 1;
    while (pos < half) {
      int child = 2 * pos + 1;
      long c = h[child];
      long r = h[child + 1];
      child = r < c ? child + 1 : child;
      c = Math.min(c, r);
      if (code <= c) {
        break;
      }
      h[pos] = c;
      pos = child;
    }
    h[pos] = code;
  }

  /**
   * Empties a worst-first heap into {@code nodes}/{@code scores}, best first; returns the count.
   */
  int drainBestFirst(int[] nodes, float[] scores) {
    int n = size;
    for (int i = n - 1; i >= 0; i--) {
      long code = pop();
      nodes[i] = node(code);
      scores[i] = score(code);
    }
    return n;
  }
}

package dev.quiver.hnsw;

import dev.quiver.engine.OrdinalFilter;
import dev.quiver.simd.TopK;

/**
 * Scores every eligible item of a graph exactly: the answer when a filter leaves too few items for
 * a walk. The filter enumerates the allowed ordinals ({@link OrdinalFilter#nextAllowed}, which a
 * bit set answers word by word), and their rows are scored {@value #CHUNK} at a time by the
 * gathered-rows kernel, whose loads overlap, instead of one call per item. Not thread-safe: one
 * per thread; allocates nothing per scan.
 */
final class ExactScan {
  /** Rows per kernel call: enough to overlap their misses, few enough to stay in L1. */
  static final int CHUNK = 64;
  private static final OrdinalFilter ALL = ordinal -> true;

  private final int[] nodes = new int[CHUNK];
  private final float[] scores = new float[CHUNK];

  /** Offers every node among the first {@code size} whose ordinal passes {@code filter} (null: all) and is not deleted. */
  void scan(Graph g, int size, float[] q, OrdinalFilter filter, Tombstones deleted, TopK top) {
    OrdinalFilter f = filter == null ? ALL : filter;
    int b = 0;
    for (int ordinal = f.nextAllowed(0, size); ordinal < size; ordinal = f.nextAllowed(ordinal + 1, size)) {
      int node = g.node(ordinal);
      if (!deleted.contains(node)) {
        nodes[b++] = node;
        if (b == CHUNK) {
          offer(g, q, b, top);
          b = 0;
        }
      }
    }
    offer(g, q, b, top);
  }

  private void offer(Graph g, float[] q, int n, TopK top) {
    g.scoreAll(q, 0f, nodes, n, scores);
    for (int i = 0; i < n; i++) {
      top.offer(nodes[i], scores[i]);
    }
  }
}

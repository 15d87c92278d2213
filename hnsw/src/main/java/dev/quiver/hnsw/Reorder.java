package dev.quiver.hnsw;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Renumbers the nodes of a built graph so that nodes a walk visits together sit together in
 * memory (Coleman et al., "Graph Reordering for Cache-Efficient Near Neighbor Search", NeurIPS
 * 2022). A build numbers nodes in input order, which bears no relation to where they lie, so
 * every row, code, list and visited mark a walk touches is a cache miss of its own; in the new
 * order the neighbours of a node are mostly close to it in number, so their codes share pages
 * and adjacent lines that the hardware prefetchers bring in, and their layer-0 lists and visited
 * marks cluster the same way.
 *
 * <p>The order is a breadth-first traversal of layer 0 from the entry point, each node's
 * unnumbered neighbours taken in the order of their lists (closest first, as the neighbour
 * heuristic leaves them): the traversal grows outward through the graph, so a node's neighbours
 * are numbered together when it reaches them. Nodes it cannot reach follow in input order.
 * Stateless.
 */
final class Reorder {
  private Reorder() {}

  /**
   * The breadth-first order of the first {@code n} nodes from {@code start}: {@code order[i]} is
   * the node that becomes node {@code i}.
   */
  static int[] breadthFirst(Graph g, int n, int start) {
    int[] order = new int[n];
    boolean[] seen = new boolean[n];
    int[] list = new int[g.slots0];
    int tail = 0;
    int next = 0;
    for (int root = start; tail < n; root = next++) {
      if (seen[root]) {
        continue;
      }
      seen[root] = true;
      order[tail] = root;
      for (int head = tail++; head < tail; head++) {
        int c = g.copyList(order[head], 0, list);
        for (int i = 0; i < c; i++) {
          int nb = list[i];
          if (!seen[nb]) {
            seen[nb] = true;
            order[tail++] = nb;
          }
        }
      }
    }
    return order;
  }

  /**
   * A copy of the first {@code n} nodes and {@code upperBlocks} upper blocks of {@code g} in
   * {@code arena}, node {@code i} of the copy being node {@code order[i]} of {@code g}: rows,
   * codes, lists (with their entries renumbered, layer-0 lists sorted by node so a walk reads
   * rows in address order), levels, ids and the ordinal maps, composed with those of {@code g}.
   */
  static Graph apply(Arena arena, Graph g, int n, int upperBlocks, int[] order) {
    Graph.Shape s = g.shape();
    Graph p = Graph.allocate(arena, new Graph.Shape(s.dim(), s.m(), s.slots0(), n, upperBlocks, s.mode(),
        s.hasIds(), true));
    int[] rank = inverse(order);
    int[] list = new int[g.slots0];
    int block = 0;
    for (int i = 0; i < n; i++) {
      int old = order[i];
      MemorySegment.copy(g.vectors, g.vectorOffset(old), p.vectors, p.vectorOffset(i), g.rowBytes);
      int level = g.level(old);
      p.levels.set(ValueLayout.JAVA_BYTE, i, (byte) level);
      if (g.extras != null) {
        p.extras.setAtIndex(Graph.FLOAT, i, g.extra(old));
      }
      if (g.ids != null) {
        p.ids.setAtIndex(Graph.LONG, i, g.id(old));
      }
      int ordinal = g.ordinal(old);
      p.ordinals.setAtIndex(Graph.INT, i, ordinal);
      p.nodes.setAtIndex(Graph.INT, ordinal, i);
      int c = renumbered(g, old, 0, rank, list);
      Arrays.sort(list, 0, c);
      writeList(p.level0, p.listOffset(i, 0), list, c);
      if (level > 0) {
        // Upper blocks follow the new order too, so the nodes every descent visits stay together.
        p.upperIndex.setAtIndex(Graph.INT, i, block);
        block += level;
        for (int l = 1; l <= level; l++) {
          writeList(p.upper, p.listOffset(i, l), list, renumbered(g, old, l, rank, list));
        }
      }
    }
    return g.codes == null ? p : p.withCodes(g.codes.permuted(arena, order));
  }

  /** {@code rank[order[i]] = i}. */
  static int[] inverse(int[] order) {
    int[] rank = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      rank[order[i]] = i;
    }
    return rank;
  }

  private static int renumbered(Graph g, int node, int level, int[] rank, int[] dst) {
    int c = g.copyList(node, level, dst);
    for (int j = 0; j < c; j++) {
      dst[j] = rank[dst[j]];
    }
    return c;
  }

  private static void writeList(MemorySegment lists, long offset, int[] list, int count) {
    MemorySegment.copy(list, 0, lists, Graph.INT, offset + Integer.BYTES, count);
    Graph.publishCount(lists, offset, count);
  }
}

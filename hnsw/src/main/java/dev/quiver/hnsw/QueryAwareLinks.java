package dev.quiver.hnsw;

import dev.quiver.engine.Metric;
import dev.quiver.engine.SearchThreads;
import dev.quiver.engine.VectorStore;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shapes a built graph for queries that do not look like the items, as two-tower user vectors do
 * not: an idea of RoarGraph (Chen et al., "RoarGraph: a projected bipartite graph for efficient
 * cross-modal approximate nearest neighbor search", VLDB 2024), grafted onto HNSW.
 *
 * <p>An HNSW graph links items that are close to each other; the items a user query ranks
 * highest can lie far apart in that geometry, and a walk then needs a wide beam to collect them.
 * For each sample query this finds its {@code M} best items, takes the best one as a pivot, and
 * links the pivot both ways with the others that the neighbour heuristic keeps as seen from the
 * pivot. Links go to {@link #slots} extra layer-0 slots reserved for them, so they never displace
 * the graph's own links. The sample must come from the same model as the real queries but need
 * not include them.
 */
final class QueryAwareLinks {
  private QueryAwareLinks() {}

  /** Extra layer-0 slots per node for query-aware links. */
  static int slots(HnswConfig config) {
    return config.m();
  }

  /** Adds the links of every query in {@code learn}; returns how many were added. */
  static int add(HnswIndex index, Graph g, VectorStore learn, int threads) {
    HnswConfig config = index.config;
    int nq = learn.size();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger added = new AtomicInteger();
    int parts = SearchThreads.parallelism(Math.min(threads, nq));
    SearchThreads.run(parts, p -> {
      Linker.Scratch s = new Linker.Scratch(g.dim, config);
      float[] q = new float[g.dim];
      int links = 0;
      for (int i = next.getAndIncrement(); i < nq; i = next.getAndIncrement()) {
        learn.get(i, q);
        if (index.metric() == Metric.COSINE) {
          VectorKernels.normalize(q);
        }
        links += linkQuery(index, g, s, q);
      }
      added.addAndGet(links);
    });
    return added.get();
  }

  private static int linkQuery(HnswIndex index, Graph g, Linker.Scratch s, float[] q) {
    HnswConfig config = index.config;
    long e = index.linker.entry();
    Walker w = s.walker;
    int ef = Math.max(config.efConstruction(), config.m());
    // As the build's own candidate walks: on the codes when the graph has them, then every
    // candidate rescored, so that the links are chosen on exact scores.
    w.query(g, q, true);
    w.start(g, q, 0f, Linker.entryNode(e));
    w.descend(g, q, 0f, Linker.entryLevel(e), 0);
    w.searchLayer(g, q, 0f, 0, ef, 1);
    w.rerank(g, q, ef);
    int n = Math.min(w.results.drainBestFirst(s.nodes, s.scores), config.m());
    if (n < 2) {
      return 0;
    }
    int pivot = s.nodes[0];
    float pivotExtra = g.load(pivot, s.base);
    for (int j = 1; j < n; j++) {
      s.pruneNodes[j - 1] = s.nodes[j];
      s.pruneScores[j - 1] = g.score(s.base, pivotExtra, s.nodes[j]);
    }
    Linker.sortBestFirst(s.pruneNodes, s.pruneScores, n - 1);
    int kept = index.linker.select(g, s, s.pruneNodes, s.pruneScores, n - 1, slots(config));
    int links = 0;
    for (int j = 0; j < kept; j++) {
      links += append(index.linker, g, pivot, s.pruneNodes[j]) ? 1 : 0;
      links += append(index.linker, g, s.pruneNodes[j], pivot) ? 1 : 0;
    }
    return links;
  }

  /** Appends {@code to} to {@code from}'s layer-0 list unless present or the list is full. */
  private static boolean append(Linker linker, Graph g, int from, int to) {
    synchronized (linker.lock(from)) {
      MemorySegment lists = g.level0;
      long off = g.listOffset(from, 0);
      int count = Graph.count(lists, off);
      if (count >= g.slots0) {
        return false;
      }
      for (int i = 0; i < count; i++) {
        if (Graph.neighbour(lists, off, i) == to) {
          return false;
        }
      }
      Graph.setNeighbour(lists, off, count, to);
      Graph.publishCount(lists, off, count + 1);
      return true;
    }
  }
}

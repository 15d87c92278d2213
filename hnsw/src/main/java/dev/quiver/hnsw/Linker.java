package dev.quiver.hnsw;

import dev.quiver.engine.SearchThreads;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Inserts nodes into a graph, from any number of threads at once: the insertion of the HNSW paper
 * (its Algorithm 1) with the neighbour-selection heuristic (its Algorithm 4, as hnswlib applies
 * it), and the graph's entry point.
 *
 * <p>Concurrency: a neighbour list is written only under its node's lock (striped over a fixed
 * array of monitors; one lock is held at a time, so there is no deadlock), and read without
 * locks by walks, which tolerate a list being rewritten (see {@link Graph}). A node's own lists on
 * every layer are written before any other node links to it, so a walk never enters a node whose
 * lower lists are still empty. The entry point changes under a lock held through the whole
 * insertion of the node that raises the top layer. Callers keep the graph from being replaced
 * (grown) while they insert.
 */
final class Linker {
  private static final int STRIPES = 1 << 12;

  private final HnswConfig config;
  private final Object[] locks = new Object[STRIPES];
  private final ReentrantLock entryLock = new ReentrantLock();
  /** Top layer in the high 32 bits, entry node in the low; -1 while the graph is empty. */
  private volatile long entry;

  Linker(HnswConfig config, long entry) {
    this.config = config;
    this.entry = entry;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  static long pack(int level, int node) {
    return ((long) level << 32) | (node & 0xffffffffL);
  }

  /** The packed entry point (see {@link #pack}), or -1 for an empty graph. */
  long entry() {
    return entry;
  }

  static int entryNode(long packed) {
    return (int) packed;
  }

  static int entryLevel(long packed) {
    return (int) (packed >>> 32);
  }

  /** Links nodes {@code [from, to)} on up to {@code threads} threads (one: in order, reproducibly). */
  void linkAll(Graph g, int from, int to, int threads) {
    int parts = SearchThreads.parallelism(Math.min(threads, Math.max(1, to - from)));
    AtomicInteger next = new AtomicInteger(from);
    SearchThreads.run(parts, p -> {
      Scratch s = new Scratch(g.dim, config);
      for (int node = next.getAndIncrement(); node < to; node = next.getAndIncrement()) {
        insert(g, s, node);
      }
    });
  }

  /** Links one node whose vector, level and upper blocks are already in {@code g}. */
  void insert(Graph g, Scratch s, int node) {
    int level = g.level(node);
    float qe = g.load(node, s.query);
    long e = entry;
    boolean raisesTop = e < 0 || level > entryLevel(e);
    if (raisesTop) {
      entryLock.lock();
      e = entry;
      raisesTop = e < 0 || level > entryLevel(e);
      if (!raisesTop) {
        entryLock.unlock();
      }
    }
    try {
      if (e >= 0) {
        link(g, s, node, level, qe, e);
      }
      if (raisesTop) {
        entry = pack(level, node);
      }
    } finally {
      if (raisesTop) {
        entryLock.unlock();
      }
    }
  }

  private void link(Graph g, Scratch s, int node, int level, float qe, long e) {
    Walker w = s.walker;
    int top = entryLevel(e);
    // With codes the walks that find candidates read them too (the transform's item-item
    // scores need float rows); the candidates are rescored exactly before selection.
    w.query(g, s.query, g.mode != Graph.IP_TRANSFORM);
    w.start(g, s.query, qe, entryNode(e));
    w.descend(g, s.query, qe, top, level);
    int lowest = Math.min(level, top);
    s.ensureLevels(lowest + 1);
    for (int lvl = lowest; lvl >= 0; lvl--) {
      w.searchLayer(g, s.query, qe, lvl, config.efConstruction(), 1);
      w.rerank(g, s.query, config.efConstruction());
      int n = w.results.drainBestFirst(s.nodes, s.scores);
      w.start(g, s.query, qe, s.nodes[0]);
      int kept = select(g, s, s.nodes, s.scores, n, config.m());
      System.arraycopy(s.nodes, 0, s.chosen[lvl], 0, kept);
      System.arraycopy(s.scores, 0, s.chosenScores[lvl], 0, kept);
      s.chosenCount[lvl] = kept;
      writeList(g, node, lvl, s.nodes, kept);
    }
    for (int lvl = lowest; lvl >= 0; lvl--) {
      for (int i = 0; i < s.chosenCount[lvl]; i++) {
        connect(g, s, s.chosen[lvl][i], node, s.chosenScores[lvl][i], lvl);
      }
    }
  }

  private void writeList(Graph g, int node, int level, int[] nodes, int count) {
    synchronized (lock(node)) {
      MemorySegment lists = g.lists(level);
      long off = g.listOffset(node, level);
      for (int i = 0; i < count; i++) {
        Graph.setNeighbour(lists, off, i, nodes[i]);
      }
      Graph.publishCount(lists, off, count);
    }
  }

  /**
   * Adds {@code node} to {@code target}'s list at {@code level}; a full list is re-selected by the
   * heuristic from its members and {@code node}. {@code score} is node's score against target.
   */
  void connect(Graph g, Scratch s, int target, int node, float score, int level) {
    int limit = level == 0 ? config.m0() : config.m();
    synchronized (lock(target)) {
      MemorySegment lists = g.lists(level);
      long off = g.listOffset(target, level);
      int count = Graph.count(lists, off);
      if (count < limit) {
        Graph.setNeighbour(lists, off, count, node);
        Graph.publishCount(lists, off, count + 1);
        return;
      }
      float te = g.load(target, s.base);
      g.copyList(target, level, s.pruneNodes);
      g.scoreAll(s.base, te, s.pruneNodes, count, s.pruneScores);
      s.pruneNodes[count] = node;
      s.pruneScores[count] = score;
      sortBestFirst(s.pruneNodes, s.pruneScores, count + 1);
      int kept = select(g, s, s.pruneNodes, s.pruneScores, count + 1, limit);
      for (int i = 0; i < kept; i++) {
        Graph.setNeighbour(lists, off, i, s.pruneNodes[i]);
      }
      Graph.publishCount(lists, off, kept);
    }
  }

  /**
   * The heuristic: walks the candidates best first and keeps one only when it is closer to the
   * base than to every candidate already kept, which spreads the links over directions instead
   * of spending them all on one tight cluster. Keeps at most {@code max}, compacted to the front
   * of the arrays; returns how many. Fewer than {@code max} candidates are all kept.
   */
  int select(Graph g, Scratch s, int[] nodes, float[] scores, int n, int max) {
    if (n <= max) {
      return n;
    }
    int kept = 0;
    for (int i = 0; i < n && kept < max; i++) {
      int c = nodes[i];
      float cs = scores[i];
      float ce = g.load(c, s.other);
      boolean diverse = true;
      for (int j = 0; j < kept && diverse; j++) {
        diverse = g.score(s.other, ce, nodes[j]) <= cs;
      }
      if (diverse) {
        nodes[kept] = c;
        scores[kept] = cs;
        kept++;
      }
    }
    return kept;
  }

  /** Insertion sort, descending score, ascending node on ties; lists are short. */
  static void sortBestFirst(int[] nodes, float[] scores, int n) {
    for (int i = 1; i < n; i++) {
      int node = nodes[i];
      float score = scores[i];
      int j = i - 1;
      while (j >= 0 && (scores[j] < score || (scores[j] == score && nodes[j] > node))) {
        nodes[j + 1] = nodes[j];
        scores[j + 1] = scores[j];
        j--;
      }
      nodes[j + 1] = node;
      scores[j + 1] = score;
    }
  }

  Object lock(int node) {
    return locks[node & (STRIPES - 1)];
  }

  /** One inserting thread's buffers. */
  static final class Scratch {
    final Walker walker = new Walker();
    final float[] query;
    final float[] base;
    final float[] other;
    final int[] nodes;
    final float[] scores;
    final int[] pruneNodes;
    final float[] pruneScores;
    private final int m;
    int[][] chosen = new int[0][];
    float[][] chosenScores = new float[0][];
    int[] chosenCount = new int[0];

    Scratch(int dim, HnswConfig config) {
      query = new float[dim];
      base = new float[dim];
      other = new float[dim];
      int beam = Math.max(config.efConstruction(), 1);
      nodes = new int[beam];
      scores = new float[beam];
      // Room for a layer-0 list that also holds query-aware links, plus the node being added.
      pruneNodes = new int[2 * config.m0() + 1];
      pruneScores = new float[2 * config.m0() + 1];
      m = config.m();
    }

    void ensureLevels(int levels) {
      if (chosen.length < levels) {
        chosen = new int[levels][m];
        chosenScores = new float[levels][m];
        chosenCount = new int[levels];
      }
    }
  }
}

package dev.quiver.hnsw;

import dev.quiver.engine.OrdinalFilter;

/**
 * One thread's graph walks: the greedy descent through the upper layers and the beam search of a
 * layer, with the visited set, candidate queue and result list they reuse, so that a walk
 * allocates nothing. A walk scores the float rows, or, after {@link #query} on a graph that has
 * {@link Codes}, their int8 codes; {@link #rerank} then rescores the best results exactly. Not
 * thread-safe: one per thread.
 */
final class Walker {
  /**
   * How many candidates a search walk expands at a time: their lists, then the rows of their new
   * neighbours, are read with overlapping misses. Four cost a few more scored nodes than one (and
   * gain as much recall) and were faster on 1M x 64 (see docs/BENCHMARKS.md).
   */
  static final int SEARCH_WIDTH = 4;
  /** A filtered walk never gives up before scoring this many nodes beyond efSearch. */
  static final int FALLBACK_MIN_SCORED = 64;
  /**
   * A walk through a filter allowing a share p of n items scores about {@code c * ef / p} nodes;
   * scoring the allowed items directly costs {@code p * n} rows: the scan wins when
   * {@code allowed^2 < EXACT_FACTOR * ef * n}. Measured on 200k x 64 (docs/BENCHMARKS.md,
   * "Filtered walks"): the walk and the scan cost the same at 5% allowed and efSearch 20-40, and
   * at 10% and efSearch 160.
   */
  static final long EXACT_FACTOR = 20;

  final Visited visited = new Visited();
  final NodeHeap candidates = NodeHeap.bestFirst();
  final NodeHeap results = NodeHeap.worstFirst();
  private int entry;
  private float entryScore;
  /** A popped node's neighbours, then those not yet visited, then their scores. */
  private int[] list = new int[0];
  private int[] fresh = new int[0];
  private float[] scores = new float[0];
  /** Whether this walk scores codes with {@link #weights} instead of float rows. */
  private boolean coded;
  private float[] weights = new float[0];
  private final int[] one = new int[1];
  private final float[] oneScore = new float[1];
  private int[] rerankNodes = new int[0];
  private int[] batch = new int[0];
  /** Sum of the values of touch loads (see {@link Graph#touchList}); kept so they are not elided. */
  private int sink;
  private float[] rerankScores = new float[0];

  /**
   * Sets up the next walks for {@code q}: on the codes when {@code codes} and {@code g} has them,
   * else on the float rows.
   */
  void query(Graph g, float[] q, boolean codes) {
    coded = codes && g.codes != null;
    if (coded) {
      if (weights.length < g.dim) {
        weights = new float[g.dim];
      }
      g.codes.weights(q, weights);
    }
  }

  private float score(Graph g, float[] q, float qExtra, int node) {
    if (!coded) {
      return g.score(q, qExtra, node);
    }
    one[0] = node;
    g.codes.scoreAll(weights, one, 1, oneScore);
    return oneScore[0];
  }

  private void scoreAll(Graph g, float[] q, float qExtra, int[] nodes, int n, float[] out) {
    if (coded) {
      g.codes.scoreAll(weights, nodes, n, out);
    } else {
      g.scoreAll(q, qExtra, nodes, n, out);
    }
  }

  /**
   * After a walk on codes: keeps the best {@code depth} results by estimate and replaces their
   * scores by exact ones (one gathered read of their float rows). Does nothing after a walk on
   * float rows.
   */
  void rerank(Graph g, float[] q, int depth) {
    if (!coded) {
      return;
    }
    while (results.size() > depth) {
      results.pop();
    }
    if (rerankNodes.length < results.size()) {
      rerankNodes = new int[results.size()];
      rerankScores = new float[results.size()];
    }
    int n = results.drainBestFirst(rerankNodes, rerankScores);
    sink += g.touchRows(rerankNodes, n);
    g.scoreAll(q, 0f, rerankNodes, n, rerankScores);
    for (int i = 0; i < n; i++) {
      results.push(rerankNodes[i], rerankScores[i]);
    }
  }

  private void ensureList(int slots) {
    if (list.length < slots) {
      list = new int[slots];
      fresh = new int[slots];
      scores = new float[slots];
    }
  }

  /** The node reached by the last {@link #start}/{@link #descend}. */
  int entry() {
    return entry;
  }

  float entryScore() {
    return entryScore;
  }

  void start(Graph g, float[] q, float qExtra, int node) {
    entry = node;
    entryScore = score(g, q, qExtra, node);
  }

  /** Greedy descent from the current entry through layers {@code from} down to {@code to + 1}. */
  void descend(Graph g, float[] q, float qExtra, int from, int to) {
    int best = entry;
    float bestScore = entryScore;
    ensureList(g.m);
    for (int level = from; level > to; level--) {
      boolean moved = true;
      while (moved) {
        moved = false;
        int n = g.copyList(best, level, list);
        sink += coded ? g.codes.touch(list, n) : g.touchRows(list, n);
        scoreAll(g, q, qExtra, list, n, scores);
        for (int i = 0; i < n; i++) {
          if (scores[i] > bestScore) {
            bestScore = scores[i];
            best = list[i];
            moved = true;
          }
        }
      }
    }
    entry = best;
    entryScore = bestScore;
  }

  /**
   * Beam search of {@code level} from the current entry, keeping the best {@code ef} in
   * {@link #results}: the walk of the HNSW paper (its Algorithm 2), expanding up to
   * {@code width} of the best candidates at a time.
   */
  void searchLayer(Graph g, float[] q, float qExtra, int level, int ef, int width) {
    visited.reset(g.capacity);
    candidates.clear();
    results.clear();
    visited.add(entry);
    candidates.push(entry, entryScore);
    results.push(entry, entryScore);
    ensureList(width * g.slots(level));
    if (batch.length < width) {
      batch = new int[width];
    }
    while (true) {
      int b = 0;
      while (b < width && !candidates.isEmpty()
          && (results.size() < ef || candidates.topScore() >= results.topScore())) {
        batch[b++] = NodeHeap.node(candidates.pop());
      }
      if (b == 0) {
        break;
      }
      if (!candidates.isEmpty()) {
        // The likely next node to expand: its list arrives while these neighbours are scored.
        sink += g.touchList(candidates.topNode(), level);
      }
      int m = expandAll(g, q, qExtra, batch, b, level);
      for (int i = 0; i < m; i++) {
        float s = scores[i];
        if (results.size() < ef || s > results.topScore()) {
          candidates.push(fresh[i], s);
          results.pushBounded(fresh[i], s, ef);
        }
      }
    }
  }

  /**
   * Scores the unvisited neighbours at {@code level} of {@code nodes[0..b)} into {@link #fresh}
   * and {@link #scores}; returns how many. A walk waits on memory: the lists of all b nodes, then
   * the rows of all their new neighbours, are touched first, so that their misses overlap instead
   * of coming one after another.
   */
  private int expandAll(Graph g, float[] q, float qExtra, int[] nodes, int b, int level) {
    for (int j = 1; j < b; j++) {
      sink += g.touchList(nodes[j], level);
    }
    int m = 0;
    for (int j = 0; j < b; j++) {
      int n = g.copyList(nodes[j], level, list);
      m = visited.addAll(list, n, fresh, m);
    }
    sink += coded ? g.codes.touch(fresh, m) : g.touchRows(fresh, m);
    scoreAll(g, q, qExtra, fresh, m, scores);
    return m;
  }

  /**
   * Beam search of layer 0 for a user query whose results must pass {@code filter} (null: all)
   * and not be deleted: {@link #searchLayer} with its batched expansion and overlapped loads,
   * where rejected nodes still steer the walk and only the result list excludes them.
   *
   * <p>Returns false when the walk gives up for an exact scan of the eligible items, cheaper for
   * very selective filters (a few percent of the items or fewer), where a walk would otherwise
   * roam most of the graph looking for eligible nodes. It estimates their number from the share of
   * eligible nodes among those it tested, times {@code size}, and gives up once that estimate is
   * one the scan beats ({@link #exactIsCheaper}) or it has scored more nodes than the estimate.
   */
  boolean searchLayer0Filtered(Graph g, float[] q, int ef, OrdinalFilter filter, Tombstones deleted, int size) {
    visited.reset(g.capacity);
    candidates.clear();
    results.clear();
    visited.add(entry);
    candidates.push(entry, entryScore);
    long tested = 1;
    long eligible = 0;
    if (eligible(g, entry, filter, deleted)) {
      results.push(entry, entryScore);
      eligible++;
    }
    long scored = 1;
    long giveUpFloor = ef + FALLBACK_MIN_SCORED;
    int width = SEARCH_WIDTH;
    ensureList(width * g.slots0);
    if (batch.length < width) {
      batch = new int[width];
    }
    while (true) {
      int b = 0;
      while (b < width && !candidates.isEmpty()
          && (results.size() < ef || candidates.topScore() >= results.topScore())) {
        batch[b++] = NodeHeap.node(candidates.pop());
      }
      if (b == 0) {
        return true;
      }
      if (!candidates.isEmpty()) {
        sink += g.touchList(candidates.topNode(), 0);
      }
      int m = expandAll(g, q, 0f, batch, b, 0);
      scored += m;
      for (int i = 0; i < m; i++) {
        float s = scores[i];
        if (results.size() < ef || s > results.topScore()) {
          int nb = fresh[i];
          candidates.push(nb, s);
          tested++;
          if (eligible(g, nb, filter, deleted)) {
            eligible++;
            results.pushBounded(nb, s, ef);
          }
        }
      }
      if (scored > giveUpFloor) {
        long estimate = size * eligible / tested;
        if (scored > estimate || exactIsCheaper(estimate, ef, size)) {
          return false;
        }
      }
    }
  }

  /** Whether scoring {@code allowed} of {@code size} items directly is cheaper than a walk with beam {@code ef}. */
  static boolean exactIsCheaper(long allowed, int ef, int size) {
    return allowed * allowed < EXACT_FACTOR * ef * size;
  }

  private static boolean eligible(Graph g, int node, OrdinalFilter filter, Tombstones deleted) {
    return !deleted.contains(node) && (filter == null || filter.test(g.ordinal(node)));
  }
}

package dev.quiver.hnsw;

import dev.quiver.engine.Checks;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.ParsedParams;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Searcher;
import dev.quiver.simd.TopK;
import dev.quiver.simd.VectorKernels;

/**
 * One thread's searcher of an {@link HnswIndex}, as JVector's {@code GraphSearcher}: it owns the
 * walk's scratch and only reads the graph. Each search starts from the state the index has
 * published (entry point, size, graph, read in that order: an add publishes them in the reverse
 * order, so the graph read holds every node the entry and size name), and walks that graph
 * without a lock while adds link new nodes into it.
 *
 * <p>Not thread-safe: one per thread. {@link #close()} drops the scratch.
 */
final class HnswGraphSearcher implements Searcher {
  private final HnswIndex index;
  final ParsedParams parsed;
  private Scratch scratch;

  HnswGraphSearcher(HnswIndex index) {
    this.index = index;
    this.parsed = new ParsedParams(index);
    this.scratch = new Scratch(index.dimension());
  }

  @Override
  public void search(float[] query, int k, OrdinalFilter filter, SearchParams params, SearchResults out) {
    index.checkOpen();
    if (scratch == null) {
      throw new IllegalStateException("hnsw searcher is closed");
    }
    Checks.k(k);
    HnswSearchParams p = SearchParams.of(HnswSearchParams.class, params, HnswSearchParams.DEFAULTS, HnswIndex.KIND);
    search(scratch, query, k, filter, p, out);
  }

  @Override
  public void close() {
    scratch = null;
  }

  private void search(Scratch s, float[] query, int k, OrdinalFilter filter, HnswSearchParams params,
                      SearchResults out) {
    int ef = params.ef(k);
    float[] q = s.prepare(query, index.metric());
    out.reset(k);
    long e = index.linker.entry();
    int n = index.size();
    Graph g = index.graph();
    if (e < 0 || n == 0) {
      return;
    }
    Tombstones deleted = index.deleted;
    int allowed = filter == null ? -1 : filter.allowedCount(n);
    if (allowed >= 0 && Walker.exactIsCheaper(allowed, ef, n)) {
      exact(g, n, q, k, filter, s, out);
      return;
    }
    Walker w = s.walker;
    w.query(g, q, true);
    w.start(g, q, 0f, Linker.entryNode(e));
    w.descend(g, q, 0f, Linker.entryLevel(e), 0);
    if (filter == null && deleted.count() == 0) {
      w.searchLayer(g, q, 0f, 0, ef, Walker.SEARCH_WIDTH);
    } else if (!w.searchLayer0Filtered(g, q, ef, filter, deleted, n)) {
      exact(g, n, q, k, filter, s, out);
      return;
    }
    w.rerank(g, q, params.rerankDepth(k, ef));
    emit(g, w.results, k, s, out);
  }

  /** Scores every eligible item: the answer when a filter leaves too few for a walk. */
  private void exact(Graph g, int n, float[] q, int k, OrdinalFilter filter, Scratch s, SearchResults out) {
    TopK top = s.top;
    top.reset(k);
    s.scan.scan(g, n, q, filter, index.deleted, top);
    s.ensureOutput(k);
    int count = top.drainDescending(s.nodes, s.scores);
    for (int i = 0; i < count; i++) {
      out.add(g.id(s.nodes[i]), index.metric().externalScore(s.scores[i]));
    }
  }

  private void emit(Graph g, NodeHeap results, int k, Scratch s, SearchResults out) {
    while (results.size() > k) {
      results.pop();
    }
    s.ensureOutput(k);
    int count = results.drainBestFirst(s.nodes, s.scores);
    for (int i = 0; i < count; i++) {
      out.add(g.id(s.nodes[i]), index.metric().externalScore(s.scores[i]));
    }
  }

  /** Search buffers, grown on demand, never shrunk. */
  private static final class Scratch {
    final Walker walker = new Walker();
    final TopK top = new TopK(10);
    final ExactScan scan = new ExactScan();
    final float[] query;
    int[] nodes = new int[16];
    float[] scores = new float[16];

    Scratch(int dim) {
      query = new float[dim];
    }

    float[] prepare(float[] q, Metric metric) {
      Checks.vector(q, query.length, "query");
      System.arraycopy(q, 0, query, 0, query.length);
      if (metric == Metric.COSINE) {
        VectorKernels.normalize(query);
      }
      return query;
    }

    void ensureOutput(int k) {
      if (nodes.length < k) {
        nodes = new int[k];
        scores = new float[k];
      }
    }
  }
}

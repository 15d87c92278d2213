package dev.quiver.hnsw;

import dev.quiver.engine.Checks;
import dev.quiver.engine.IndexMemory;
import dev.quiver.engine.Metric;
import dev.quiver.engine.MutableIndex;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.SearchThreads;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hierarchical navigable small-world graph (Malkov and Yashunin): approximate top-k search in
 * time that grows with the logarithm of the item count.
 *
 * <p><b>Metrics.</b> Cosine normalises items and queries and scores by inner product. L2 scores
 * by squared distance. Inner product on vectors of any norm (maximum inner product search) is
 * built one of two ways, chosen by the build parameter {@code ipGraph}:
 * <ul>
 *   <li>{@code raw} (default): the graph is built with the inner product itself, as a similarity
 *       graph for a non-metric similarity (Morozov and Babenko, "Non-metric similarity graphs for
 *       maximum inner product search", NeurIPS 2018; hnswlib and FAISS do the same). Walks then
 *       drift toward the items of large norm, which is where the answers to inner-product
 *       queries are: with norms that vary a lot this needs a far smaller efSearch than the
 *       transform.</li>
 *   <li>{@code transform}: the reduction to L2 of Bachrach et al.: item {@code x} becomes
 *       {@code [x, sqrt(R^2 - |x|^2)]} with {@code R} the largest item norm, and query {@code q}
 *       becomes {@code [q, 0]}; then {@code |q' - x'|^2 = |q|^2 + R^2 - 2 q.x}, so the nearest
 *       item in L2 is the one with the largest inner product, and the graph is built on a true
 *       metric. Only each item's extra coordinate is stored; a query scores {@code q.x}
 *       directly. An item added later with a norm above {@code R} gets the extra coordinate 0:
 *       it is still scored exactly, only its links are chosen with a slightly distorted
 *       distance. Better when norms are nearly equal and recall must approach 1.</li>
 * </ul>
 * Either way search scores are exact inner products.
 *
 * <p><b>Search.</b> {@code efSearch} ({@link HnswSearchParams}, default {@value #DEFAULT_EF_SEARCH},
 * at least k) is the beam width on layer 0. A filter and the tombstones of deleted items apply
 * during the walk: excluded nodes still steer it but never enter the results. When the walk finds
 * the eligible items too rare, it stops and scores the eligible items exactly instead (see
 * {@link Walker#searchLayer0Filtered}). Searches allocate nothing: a {@link Searcher}
 * ({@link #newSearcher()}, one per thread) owns its scratch, and the {@code Params} path keeps
 * one per thread. Built with {@code traverse=sq8}, walks read int8 {@link Codes} of the rows and
 * the best {@code rerank} candidates are rescored with the float rows, so results carry exact scores.
 * The build ends by renumbering the nodes so that graph neighbours lie together in memory
 * ({@link Reorder}; {@code reorder=none} keeps input order). Ordinals keep their meaning
 * throughout: ordinal {@code i} is row {@code i} of the build's source (then the order of
 * {@link #add}), for ids, {@link #vector}, {@link #ordinal} and filters alike.
 *
 * <p><b>Updates.</b> {@link #add} links new items while searches run; {@link #delete} marks
 * items deleted. Adds run concurrently with each other; when the memory is full it is copied
 * into a larger block (searches in flight finish on the old copy, which the garbage collector
 * frees once unused). An index opened from a file copies itself out of the mapping on its first
 * add.
 *
 * <p><b>Parts.</b> As JVector splits its graph index: {@link HnswBuilder} builds (levels, rows,
 * linking, renumbering), {@link HnswGraphSearcher} searches (one per thread, reading only),
 * {@link HnswUpdater} adds and deletes, {@link HnswFile} is the file format; this class holds the
 * state they share (the published graph, its size and entry point, the tombstones) and is the
 * {@link VectorIndex} callers see.
 *
 * <p><b>Memory.</b> Vectors and graph are off-heap (see {@link Graph} for the layout), and are
 * used in place when mapped from a file. Thread-safe; {@link #close()} frees the memory, after
 * which every call throws {@link IllegalStateException}.
 */
public final class HnswIndex implements MutableIndex {
  /** Kind name in files and on the command line. */
  public static final String KIND = "hnsw";
  /** efSearch when the search parameters name none. */
  public static final int DEFAULT_EF_SEARCH = 64;

  private final Metric metric;
  final HnswConfig config;
  final Linker linker;
  final Tombstones deleted;
  final float maxNorm;
  private final IndexMemory memory;
  private final boolean hasIds;
  private final ThreadLocal<HnswGraphSearcher> searchers;
  private final HnswUpdater updater;
  private volatile Graph graph;
  private volatile int size;
  /** Upper-layer blocks in use; written by the updater under its append lock. */
  private int upperUsed;
  private int queryAwareLinks;

  HnswIndex(Metric metric, HnswConfig config, Graph graph, int size, int upperUsed, long entry, float maxNorm,
            Tombstones deleted, AutoCloseable memoryOwner) {
    this.metric = metric;
    this.config = config;
    this.graph = graph;
    this.size = size;
    this.upperUsed = upperUsed;
    this.maxNorm = maxNorm;
    this.deleted = deleted;
    this.memory = new IndexMemory(KIND, memoryOwner);
    this.hasIds = graph.ids != null;
    this.linker = new Linker(config, entry);
    this.searchers = ThreadLocal.withInitial(() -> new HnswGraphSearcher(this));
    this.updater = new HnswUpdater(this, graph.dim);
  }

  /**
   * Builds a graph over a copy of {@code source} ({@link HnswBuilder}).
   *
   * @param ids one distinct external id per vector, or null for ids equal to ordinals
   * @param params {@code M} (default 16), {@code efConstruction} (default 200), {@code seed};
   *     {@code learn} is read by {@link HnswIndexFormat}, which passes the sample here
   * @param learn sample queries that shape the graph for queries unlike the items, or null
   * @param threads how many threads link nodes; with one the build is reproducible
   */
  public static HnswIndex build(VectorStore source, long[] ids, Metric metric, Params params, VectorStore learn,
                                int threads) {
    return HnswBuilder.build(source, ids, metric, params, learn, threads);
  }

  // ---------------------------------------------------------------- search

  @Override
  public SearchParams searchParams(Params params) {
    return HnswSearchParams.parse(params);
  }

  @Override
  public Searcher newSearcher() {
    checkOpen();
    return new HnswGraphSearcher(this);
  }

  @Override
  public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    HnswGraphSearcher s = searchers.get();
    s.search(query, k, filter, s.parsed.of(params), out);
  }

  @Override
  public void searchBatch(float[][] queries, int k, OrdinalFilter[] filters, Params params,
                          SearchResults[] out, int threads) {
    checkOpen();
    Checks.k(k);
    Checks.positive("threads", threads);
    searchParams(params);
    if (filters != null && filters.length != queries.length) {
      throw new IllegalArgumentException(filters.length + " filters for " + queries.length + " queries");
    }
    if (out.length < queries.length) {
      throw new IllegalArgumentException(out.length + " result holders for " + queries.length + " queries");
    }
    AtomicInteger next = new AtomicInteger();
    int parts = SearchThreads.parallelism(Math.min(threads, Math.max(1, queries.length)));
    SearchThreads.run(parts, p -> {
      for (int i = next.getAndIncrement(); i < queries.length; i = next.getAndIncrement()) {
        search(queries[i], k, filters == null ? null : filters[i], params, out[i]);
      }
    });
  }

  // ---------------------------------------------------------------- updates, through HnswUpdater

  /**
   * Adds an item to an index built without ids and links it into the graph; safe while other
   * threads search and add. Returns its id, which is its ordinal.
   *
   * @throws IllegalStateException when the index has external ids: use {@link #add(long, float[])}
   */
  @Override
  public long add(float[] vector) {
    if (hasIds) {
      throw new IllegalStateException("this hnsw index has external ids: add(id, vector)");
    }
    checkOpen();
    return updater.add(0, vector);
  }

  /**
   * Adds an item with external id {@code id} to an index built with ids and links it into the
   * graph; safe while other threads search and add.
   *
   * @throws IllegalArgumentException when an item already has {@code id}
   */
  public void add(long id, float[] vector) {
    if (!hasIds) {
      throw new IllegalStateException("this hnsw index was built without ids: add(vector)");
    }
    checkOpen();
    updater.add(id, vector);
  }

  /**
   * Marks the item with external id {@code id} deleted: no search that starts after this returns
   * it. Its node stays in the graph to keep it navigable. Returns false when no live item has it.
   */
  @Override
  public boolean delete(long id) {
    checkOpen();
    return updater.delete(id);
  }

  /** Number of items marked deleted. */
  public int deletedCount() {
    return deleted.count();
  }

  /** {@inheritDoc} A deleted item keeps its ordinal (and its vector): its node stays in the graph. */
  @Override
  public int ordinal(long id) {
    checkOpen();
    if (!hasIds) {
      return id >= 0 && id < size ? (int) id : -1;
    }
    int node = updater.nodeOf(id);
    return node < 0 ? -1 : graph.ordinal(node);
  }

  /** {@inheritDoc} Under {@code ipGraph=transform} these are the item's own coordinates, without the extra one. */
  @Override
  public void vector(int ordinal, float[] out) {
    checkOpen();
    // Size before graph, as a search reads them: the graph read is at least as new as the row.
    int n = size;
    Graph g = graph;
    Checks.index("ordinal", ordinal, n);
    Checks.output(out, g.dim);
    g.load(g.node(ordinal), out);
  }

  // ---------------------------------------------------------------- files and state

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    updater.writeFrozen(() -> HnswFile.write(path, this, graph, size, upperUsed));
  }

  int upperUsed() {
    return upperUsed;
  }

  /** Set by the updater under its append lock. */
  void upperUsed(int blocks) {
    upperUsed = blocks;
  }

  /** Publishes a grown graph; the updater's only way to replace it. */
  void publishGraph(Graph g) {
    graph = g;
  }

  /** Publishes the size after the row of the last node is written. */
  void publishSize(int n) {
    size = n;
  }

  boolean hasIds() {
    return hasIds;
  }

  HnswUpdater updater() {
    return updater;
  }

  /** Query-aware links added at build (0 without a learn sample). */
  public int queryAwareLinks() {
    return queryAwareLinks;
  }

  void queryAwareLinks(int links) {
    queryAwareLinks = links;
  }

  Graph graph() {
    return graph;
  }

  /** The M the graph was built with. */
  public int m() {
    return config.m();
  }

  /** The efConstruction the graph was built with. */
  public int efConstruction() {
    return config.efConstruction();
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public Metric metric() {
    return metric;
  }

  @Override
  public int dimension() {
    return graph.dim;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public long byteSize() {
    Graph g = graph;
    Graph.Shape s = g.shape();
    int n = size;
    return s.vectorBytes(n) + s.level0Bytes(n) + n + (long) n * Integer.BYTES + s.upperBytes(upperUsed)
        + (g.extras == null ? 0 : (long) n * Float.BYTES) + (g.ids == null ? 0 : (long) n * Long.BYTES)
        + (g.codes == null ? 0 : g.codes.bytes(n)) + (g.ordinals == null ? 0 : 2L * n * Integer.BYTES);
  }

  @Override
  public long id(int ordinal) {
    Checks.index("ordinal", ordinal, size);
    Graph g = graph;
    return g.id(g.node(ordinal));
  }

  void checkOpen() {
    memory.checkOpen();
  }

  @Override
  public void close() {
    memory.close();
  }
}

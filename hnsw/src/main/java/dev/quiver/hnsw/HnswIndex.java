package dev.quiver.hnsw;

import dev.quiver.engine.Checks;
import dev.quiver.engine.IndexMemory;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.ParsedParams;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.SearchThreads;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.simd.TopK;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.agrona.collections.Long2LongHashMap;

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
 * {@link Walker#searchLayer0Filtered}). Searches allocate nothing: a {@link Searcher} ({@link #newSearcher()}, one
 * per thread) owns its scratch, and the {@code Params} path keeps one per thread. Built with {@code traverse=sq8}, walks read int8 {@link Codes} of the rows and the
 * best {@code rerank} candidates are rescored with the float rows, so results carry exact scores.
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
 * <p><b>Memory.</b> Vectors and graph are off-heap (see {@link Graph} for the layout), and are
 * used in place when mapped from a file. Thread-safe; {@link #close()} frees the memory, after
 * which every call throws {@link IllegalStateException}.
 */
public final class HnswIndex implements VectorIndex {
  /** Kind name in files and on the command line. */
  public static final String KIND = "hnsw";
  /** efSearch when the search parameters name none. */
  public static final int DEFAULT_EF_SEARCH = 64;
  /** Levels above this are cut: with M >= 2 they occur with probability below 2^-24. */
  private static final int MAX_LEVEL = 24;

  private final Metric metric;
  final HnswConfig config;
  final Linker linker;
  final Tombstones deleted;
  final float maxNorm;
  private final IndexMemory memory;
  private final boolean hasIds;
  private final ThreadLocal<HnswSearcher> searchers;
  private final ThreadLocal<Linker.Scratch> linkScratch;
  /** Adds hold the read side while linking; growing the memory holds the write side. */
  private final ReentrantReadWriteLock growth = new ReentrantReadWriteLock();
  /** Serialises taking ordinals, writing new rows and growing. */
  private final ReentrantLock append = new ReentrantLock();
  private volatile Graph graph;
  private volatile int size;
  private int upperUsed;
  private int queryAwareLinks;
  private Long2LongHashMap nodesById;

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
    int dim = graph.dim;
    this.searchers = ThreadLocal.withInitial(HnswSearcher::new);
    this.linkScratch = ThreadLocal.withInitial(() -> new Linker.Scratch(dim, config));
  }

  /**
   * Builds a graph over a copy of {@code source}.
   *
   * @param ids one distinct external id per vector, or null for ids equal to ordinals
   * @param params {@code M} (default 16), {@code efConstruction} (default 200), {@code seed};
   *     {@code learn} is read by {@link HnswIndexFormat}, which passes the sample here
   * @param learn sample queries that shape the graph for queries unlike the items, or null
   * @param threads how many threads link nodes; with one the build is reproducible
   */
  public static HnswIndex build(VectorStore source, long[] ids, Metric metric, Params params, VectorStore learn,
                                int threads) {
    HnswConfig config = HnswConfig.from(params);
    Checks.positive("threads", threads);
    int n = source.size();
    if (ids != null && ids.length != n) {
      throw new IllegalArgumentException("ids has " + ids.length + " entries for " + n + " vectors");
    }
    if (learn != null && learn.dimension() != source.dimension()) {
      throw new IllegalArgumentException("learn queries have dimension " + learn.dimension() + ", items "
          + source.dimension());
    }
    byte[] levels = levels(config, n);
    int upperBlocks = 0;
    for (byte level : levels) {
      upperBlocks += level;
    }
    int slots0 = learn == null ? config.m0() : config.m0() + QueryAwareLinks.slots(config);
    Graph.Shape shape = new Graph.Shape(source.dimension(), config.m(), slots0, n, upperBlocks, Graph.mode(metric, config.ipTransform()),
        ids != null, false);
    Arena arena = Arena.ofShared();
    try {
      Graph g = Graph.allocate(arena, shape);
      float maxNorm = fill(g, source, ids, metric, levels);
      if (config.sq8()) {
        g = g.withCodes(Codes.of(arena, g, n));
      }
      Tombstones deleted = new Tombstones(n);
      HnswIndex index = new HnswIndex(metric, config, g, n, upperBlocks, -1, maxNorm, deleted, arena);
      if (ids != null) {
        index.ordinalMap();
      }
      index.linker.linkAll(g, 0, n, threads);
      if (learn != null && learn.size() > 0 && n > 0) {
        index.queryAwareLinks = QueryAwareLinks.add(index, g, learn, threads);
      }
      return config.reorder() && n > 1 ? index.renumbered() : index;
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /**
   * This index with its nodes renumbered by {@link Reorder}, in memory of its own; closes this
   * one. Ordinals, ids, tombstones and search results stay as they were.
   */
  HnswIndex renumbered() {
    return renumbered(Reorder.breadthFirst(graph, size, Linker.entryNode(linker.entry())));
  }

  /** As {@link #renumbered()}, node {@code i} of the result being node {@code order[i]} of this one. */
  HnswIndex renumbered(int[] order) {
    Graph g = graph;
    int n = size;
    long e = linker.entry();
    int[] rank = Reorder.inverse(order);
    Arena arena = Arena.ofShared();
    try {
      Graph p = Reorder.apply(arena, g, n, upperUsed, order);
      Tombstones t = new Tombstones(n);
      for (int i = 0; i < n; i++) {
        if (deleted.contains(i)) {
          t.add(rank[i]);
        }
      }
      long entry = Linker.pack(Linker.entryLevel(e), rank[Linker.entryNode(e)]);
      HnswIndex r = new HnswIndex(metric, config, p, n, upperUsed, entry, maxNorm, t, arena);
      r.queryAwareLinks = queryAwareLinks;
      close();
      return r;
    } catch (RuntimeException | Error ex) {
      arena.close();
      throw ex;
    }
  }

  /** Seeded levels: {@code floor(-ln(u) / ln(M))}, u uniform from a hash of (seed, ordinal). */
  private static byte[] levels(HnswConfig config, int n) {
    byte[] levels = new byte[n];
    for (int i = 0; i < n; i++) {
      levels[i] = (byte) levelOf(config, i);
    }
    return levels;
  }

  static int levelOf(HnswConfig config, int ordinal) {
    long z = config.seed() + (ordinal + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = ((z >>> 11) + 1) * 0x1.0p-53;
    return (int) Math.min(MAX_LEVEL, Math.floor(-Math.log(u) / Math.log(config.m())));
  }

  /** Copies rows, ids and levels into {@code g}; returns the largest norm (inner product) or 0. */
  private static float fill(Graph g, VectorStore source, long[] ids, Metric metric, byte[] levels) {
    int n = source.size();
    MemorySegment.copy(source.segment(), 0, g.vectors, 0, source.byteSize());
    int block = 0;
    for (int i = 0; i < n; i++) {
      g.levels.set(ValueLayout.JAVA_BYTE, i, levels[i]);
      if (levels[i] > 0) {
        g.upperIndex.setAtIndex(Graph.INT, i, block);
        block += levels[i];
      }
      if (ids != null) {
        g.ids.setAtIndex(Graph.LONG, i, ids[i]);
      }
    }
    float[] row = new float[g.dim];
    if (metric == Metric.COSINE) {
      for (int i = 0; i < n; i++) {
        g.load(i, row);
        VectorKernels.normalize(row);
        MemorySegment.copy(row, 0, g.vectors, Graph.FLOAT, g.vectorOffset(i), g.dim);
      }
    }
    if (g.extras == null) {
      return 0f;
    }
    double max = 0;
    for (int i = 0; i < n; i++) {
      g.load(i, row);
      max = Math.max(max, VectorKernels.dot(row, row));
    }
    float maxNorm = (float) Math.sqrt(max);
    for (int i = 0; i < n; i++) {
      g.load(i, row);
      g.extras.setAtIndex(Graph.FLOAT, i, extraCoordinate(maxNorm, row));
    }
    return maxNorm;
  }

  /** {@code sqrt(R^2 - |x|^2)}, 0 for an item at or beyond the norm bound R. */
  private static float extraCoordinate(float maxNorm, float[] row) {
    double sq = (double) maxNorm * maxNorm - VectorKernels.dot(row, row);
    return sq > 0 ? (float) Math.sqrt(sq) : 0f;
  }

  // ---------------------------------------------------------------- search

  @Override
  public SearchParams searchParams(Params params) {
    return HnswSearchParams.parse(params);
  }

  @Override
  public Searcher newSearcher() {
    checkOpen();
    return new HnswSearcher();
  }

  @Override
  public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    HnswSearcher s = searchers.get();
    s.search(query, k, filter, s.parsed.of(params), out);
  }

  private void search(Scratch s, float[] query, int k, OrdinalFilter filter, HnswSearchParams params,
                      SearchResults out) {
    int ef = params.ef(k);
    float[] q = s.prepare(query, metric);
    out.reset(k);
    // An add grows the graph, then publishes size, then the entry point. Reading them in the
    // reverse order guarantees a graph at least as new as every node the entry and size name.
    long e = linker.entry();
    int n = size;
    Graph g = graph;
    if (e < 0 || n == 0) {
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
    for (int i = 0; i < n; i++) {
      if (!deleted.contains(i) && (filter == null || filter.test(g.ordinal(i)))) {
        top.offer(i, g.score(q, 0f, i));
      }
    }
    s.ensureOutput(k);
    int count = top.drainDescending(s.nodes, s.scores);
    for (int i = 0; i < count; i++) {
      out.add(g.id(s.nodes[i]), metric.externalScore(s.scores[i]));
    }
  }

  private void emit(Graph g, NodeHeap results, int k, Scratch s, SearchResults out) {
    while (results.size() > k) {
      results.pop();
    }
    s.ensureOutput(k);
    int count = results.drainBestFirst(s.nodes, s.scores);
    for (int i = 0; i < count; i++) {
      out.add(g.id(s.nodes[i]), metric.externalScore(s.scores[i]));
    }
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

  // ---------------------------------------------------------------- updates

  /**
   * Adds an item to an index built without ids and links it into the graph; safe while other
   * threads search and add. Returns its id, which is its ordinal.
   *
   * @throws IllegalStateException when the index has external ids: use {@link #add(long, float[])}
   */
  public long add(float[] vector) {
    if (hasIds) {
      throw new IllegalStateException("this hnsw index has external ids: add(id, vector)");
    }
    return addItem(0, vector);
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
    addItem(id, vector);
  }

  private long addItem(long id, float[] vector) {
    checkOpen();
    Checks.vector(vector, dimension(), "vector");
    int node;
    Graph g;
    append.lock();
    try {
      if (hasIds && ordinalMap().get(id) != -1) {
        throw new IllegalArgumentException("an item with id " + id + " is already in the index");
      }
      node = size;
      int level = levelOf(config, node);
      g = ensureRoom(node + 1, upperUsed + level);
      writeRow(g, node, level, vector);
      if (hasIds) {
        g.ids.setAtIndex(Graph.LONG, node, id);
        nodesById.put(id, node);
      }
      upperUsed += level;
      size = node + 1;
    } finally {
      append.unlock();
    }
    growth.readLock().lock();
    try {
      linker.insert(graph, linkScratch.get(), node);
    } finally {
      growth.readLock().unlock();
    }
    return hasIds ? id : node;
  }

  private void writeRow(Graph g, int node, int level, float[] vector) {
    float[] row = vector.clone();
    if (metric == Metric.COSINE) {
      VectorKernels.normalize(row);
    }
    MemorySegment.copy(row, 0, g.vectors, Graph.FLOAT, g.vectorOffset(node), row.length);
    if (g.extras != null) {
      g.extras.setAtIndex(Graph.FLOAT, node, extraCoordinate(maxNorm, row));
    }
    if (g.codes != null) {
      g.codes.encode(node, row, new byte[row.length]);
    }
    g.levels.set(ValueLayout.JAVA_BYTE, node, (byte) level);
    g.appendIdentity(node);
    if (level > 0) {
      g.upperIndex.setAtIndex(Graph.INT, node, upperUsed);
    }
  }

  /** The current graph, grown first when it cannot hold {@code nodes} nodes and {@code blocks} blocks. */
  private Graph ensureRoom(int nodes, int blocks) {
    Graph g = graph;
    if (nodes <= g.capacity && blocks <= g.upperCapacity && !g.level0.isReadOnly()) {
      return g;
    }
    growth.writeLock().lock();
    try {
      int capacity = Math.max(nodes, g.capacity + (g.capacity >> 1) + 16);
      int upper = Math.max(blocks, g.upperCapacity + (g.upperCapacity >> 1) + 16);
      graph = g.grow(Arena.ofAuto(), capacity, upper, size, upperUsed, hasIds);
      return graph;
    } finally {
      growth.writeLock().unlock();
    }
  }

  /**
   * Marks the item with external id {@code id} deleted: no search that starts after this returns
   * it. Its node stays in the graph to keep it navigable. Returns false when no live item has it.
   */
  public boolean delete(long id) {
    checkOpen();
    int node = nodeOf(id);
    return node >= 0 && deleted.add(node);
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
    int node = nodeOf(id);
    return node < 0 ? -1 : graph.ordinal(node);
  }

  /** The node of the item with external id {@code id}, or -1. */
  private int nodeOf(long id) {
    if (!hasIds) {
      // Size before graph, as a search reads them: the graph read holds every node below size.
      int n = size;
      return id >= 0 && id < n ? graph.node((int) id) : -1;
    }
    append.lock();
    try {
      return (int) ordinalMap().get(id);
    } finally {
      append.unlock();
    }
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

  /** Id to node, built on first use (pure search never needs it); guarded by {@link #append}. */
  private Long2LongHashMap ordinalMap() {
    if (nodesById == null) {
      Graph g = graph;
      int n = size;
      Long2LongHashMap map = new Long2LongHashMap(Math.max(8, n * 2), 0.65f, -1);
      for (int i = 0; i < n; i++) {
        long previous = map.put(g.id(i), i);
        if (previous != -1) {
          throw new IllegalArgumentException("duplicate item id " + g.id(i) + " at ordinals " + previous + " and " + i);
        }
      }
      nodesById = map;
    }
    return nodesById;
  }

  // ---------------------------------------------------------------- files and state

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    append.lock();
    growth.writeLock().lock();
    try {
      HnswFile.write(path, this, graph, size, upperUsed);
    } finally {
      growth.writeLock().unlock();
      append.unlock();
    }
  }

  int upperUsed() {
    return upperUsed;
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

  private void checkOpen() {
    memory.checkOpen();
  }

  @Override
  public void close() {
    memory.close();
  }

  /** A searcher of this index: its scratch and the last parameters it parsed. */
  private final class HnswSearcher implements Searcher {
    final ParsedParams parsed = new ParsedParams(HnswIndex.this);
    Scratch scratch = new Scratch(dimension());

    @Override
    public void search(float[] query, int k, OrdinalFilter filter, SearchParams params, SearchResults out) {
      checkOpen();
      if (scratch == null) {
        throw new IllegalStateException("hnsw searcher is closed");
      }
      Checks.k(k);
      HnswSearchParams p = SearchParams.of(HnswSearchParams.class, params, HnswSearchParams.DEFAULTS, KIND);
      HnswIndex.this.search(scratch, query, k, filter, p, out);
    }

    @Override
    public void close() {
      scratch = null;
    }
  }

  /** Search buffers, grown on demand, never shrunk. */
  private static final class Scratch {
    final Walker walker = new Walker();
    final TopK top = new TopK(10);
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

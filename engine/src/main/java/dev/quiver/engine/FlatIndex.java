package dev.quiver.engine;

import dev.quiver.simd.TopK;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact search: every query is scored against every item. The reference every approximate index
 * is measured against, and the right index for small catalogs.
 *
 * <p>A single query streams the rows through {@link VectorKernels#dotRows} a block at a time and
 * keeps the best k in a {@link TopK}; at this arithmetic intensity the scan is bound by memory
 * bandwidth. A batch packs 64 rows at a time into a transposed panel and scores many queries
 * against it with the register-tiled {@link VectorKernels#dotPanel}, which is bound by the FMA
 * units instead; rows are split across threads and the per-thread top-k lists merged.
 *
 * <p>Cosine stores normalised copies of the vectors and normalises each query. L2 scans with
 * exact squared distances for one query; a batch ranks by {@code 2 q.x - |x|^2} from the dot
 * kernel and recomputes exact distances for the k it returns.
 *
 * <p>Thread-safe for searches. A {@link Searcher} owns its scratch ({@link #newSearcher()}; the
 * {@code Params} path keeps one per thread), so a search allocates nothing.
 * {@link #close()} frees the vectors (or unmaps the file); a search after close throws
 * {@link IllegalStateException}.
 */
public final class FlatIndex implements VectorIndex {
  /** Kind name in files and on the command line. */
  public static final String KIND = "flat";

  private static final int BLOCK = 1024;
  private static final int PANEL = VectorKernels.PANEL_ROWS;
  /** Queries scored per dotPanel call: enough to amortise the call, small enough for L1. */
  private static final int QUERY_TILE = 32;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

  private final Metric metric;
  private final VectorStore vectors;
  private final IdMap ids;
  private final float[] squaredNorms;
  private final IndexMemory memory;
  private final ThreadLocal<FlatSearcher> searchers;

  private FlatIndex(Metric metric, VectorStore vectors, IdMap ids, AutoCloseable memoryOwner) {
    this.metric = metric;
    this.vectors = vectors;
    this.ids = ids;
    this.memory = new IndexMemory(KIND, memoryOwner);
    this.squaredNorms = metric == Metric.L2 ? squaredNorms(vectors) : null;
    this.searchers = ThreadLocal.withInitial(FlatSearcher::new);
  }

  /**
   * Builds an index over a copy of {@code source} (normalised for cosine).
   *
   * @param ids one distinct external id per vector, or null for ids equal to ordinals
   */
  public static FlatIndex build(VectorStore source, long[] ids, Metric metric) {
    int n = source.size();
    if (ids != null && ids.length != n) {
      throw new IllegalArgumentException("ids has " + ids.length + " entries for " + n + " vectors");
    }
    Arena arena = Arena.ofShared();
    try {
      MemorySegment rows = HugePages.allocate(arena, Math.max(1, source.byteSize()));
      MemorySegment.copy(source.segment(), 0, rows, 0, source.byteSize());
      VectorStore copy = VectorStore.view(rows, source.dimension(), n);
      if (metric == Metric.COSINE) {
        normalizeRows(copy);
      }
      IdMap idMap = ids == null ? IdMap.identity(n) : IdMap.of(copyIds(arena, ids), n);
      return new FlatIndex(metric, copy, idMap, arena);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static MemorySegment copyIds(Arena arena, long[] ids) {
    MemorySegment seg = arena.allocate(Math.max(1, (long) ids.length * Long.BYTES), Long.BYTES);
    MemorySegment.copy(ids, 0, seg, LONG, 0, ids.length);
    return seg;
  }

  private static void normalizeRows(VectorStore store) {
    float[] row = new float[store.dimension()];
    MemorySegment seg = store.segment();
    for (int r = 0; r < store.size(); r++) {
      MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED, store.offset(r), row, 0, row.length);
      VectorKernels.normalize(row);
      MemorySegment.copy(row, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, store.offset(r), row.length);
    }
  }

  private static float[] squaredNorms(VectorStore store) {
    float[] norms = new float[store.size()];
    float[] row = new float[store.dimension()];
    for (int r = 0; r < norms.length; r++) {
      store.get(r, row);
      norms[r] = VectorKernels.dot(row, row);
    }
    return norms;
  }

  /** Opens a file written by {@link #write}; the index owns {@code file} from here on. */
  static FlatIndex open(IndexFile file) throws IOException {
    Metric metric = Metric.fromName(file.metadata().getOrDefault("metric", "?"));
    int dim = (int) file.metaLong("dimension");
    int n = (int) file.metaLong("count");
    long vectorBytes = (long) n * dim * Float.BYTES;
    boolean hasIds = file.metadata().getOrDefault("ids", "none").equals("long");
    long expected = hasIds ? idsOffset(vectorBytes) + (long) n * Long.BYTES : vectorBytes;
    if (dim <= 0 || n < 0 || file.body().byteSize() != expected) {
      throw new IOException(file.path() + ": flat index body is " + file.body().byteSize()
          + " bytes, expected " + expected + " for " + n + " vectors of dimension " + dim);
    }
    VectorStore store = VectorStore.view(file.body(), dim, n);
    IdMap idMap = hasIds ? IdMap.of(file.body().asSlice(idsOffset(vectorBytes), (long) n * Long.BYTES), n)
        : IdMap.identity(n);
    return new FlatIndex(metric, store, idMap, file);
  }

  private static long idsOffset(long vectorBytes) {
    return (vectorBytes + 63) & ~63L;
  }

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("kind", KIND);
    meta.put("metric", metric.shortName());
    meta.put("dimension", Integer.toString(dimension()));
    meta.put("count", Integer.toString(size()));
    meta.put("ids", ids.isIdentity() ? "none" : "long");
    IndexFile.write(path, meta, out -> {
      out.write(vectors.segment().asSlice(0, vectors.byteSize()));
      if (!ids.isIdentity()) {
        out.align(64);
        for (int i = 0; i < size(); i++) {
          out.writeLong(ids.id(i));
        }
      }
    });
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
    return vectors.dimension();
  }

  @Override
  public int size() {
    return vectors.size();
  }

  @Override
  public long byteSize() {
    return vectors.byteSize() + (ids.isIdentity() ? 0 : (long) size() * Long.BYTES)
        + (squaredNorms == null ? 0 : (long) squaredNorms.length * Float.BYTES);
  }

  @Override
  public long id(int ordinal) {
    Checks.index("ordinal", ordinal, size());
    return ids.id(ordinal);
  }

  @Override
  public int ordinal(long id) {
    checkOpen();
    return ids.ordinal(id);
  }

  @Override
  public void vector(int ordinal, float[] out) {
    checkOpen();
    Checks.index("ordinal", ordinal, size());
    Checks.output(out, dimension());
    MemorySegment.copy(vectors.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, vectors.offset(ordinal), out, 0,
        dimension());
  }

  /** Flat search takes no parameters: {@link SearchParams#NONE}. */
  @Override
  public SearchParams searchParams(Params params) {
    if (params != null && !params.asMap().isEmpty()) {
      throw new IllegalArgumentException("flat search takes no parameters, got " + params);
    }
    return SearchParams.NONE;
  }

  @Override
  public Searcher newSearcher() {
    checkOpen();
    return new FlatSearcher();
  }

  @Override
  public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    FlatSearcher s = searchers.get();
    s.search(query, k, filter, s.parsed.of(params), out);
  }

  private void search(Scratch s, float[] query, int k, OrdinalFilter filter, SearchResults out) {
    float[] q = s.prepare(query, metric);
    out.reset(k);
    if (size() == 0) {
      return;
    }
    TopK top = s.top;
    top.reset(Math.min(k, size()));
    s.ensureOutput(k);
    scan(q, top, filter, s.scores);
    emit(top, s, out, null);
  }

  private void scan(float[] q, TopK top, OrdinalFilter filter, float[] scores) {
    MemorySegment seg = vectors.segment();
    int dim = dimension();
    int n = size();
    for (int start = 0; start < n; start += BLOCK) {
      int rows = Math.min(BLOCK, n - start);
      if (metric == Metric.L2) {
        VectorKernels.squareDistanceRows(q, seg, vectors.offset(start), rows, dim, scores, 0);
        negate(scores, rows);
      } else {
        VectorKernels.dotRows(q, seg, vectors.offset(start), rows, dim, scores, 0);
      }
      top.offerBlock(scores, 0, rows, start, filter);
    }
  }

  private static void negate(float[] values, int n) {
    for (int i = 0; i < n; i++) {
      values[i] = -values[i];
    }
  }

  @Override
  public void searchBatch(float[][] queries, int k, OrdinalFilter[] filters, Params params,
                          SearchResults[] out, int threads) {
    checkOpen();
    Checks.k(k);
    searchParams(params);
    checkBatch(queries, filters, out, threads);
    int nq = queries.length;
    Scratch caller = searchers.get().scratch;
    float[] packed = caller.packQueries(queries, metric);
    int kk = Math.min(k, size());
    for (SearchResults r : out) {
      r.reset(k);
    }
    if (nq == 0 || kk == 0) {
      return;
    }
    int parts = SearchThreads.parallelism(Math.min(threads, (size() + PANEL - 1) / PANEL));
    int chunk = ((size() + parts - 1) / parts + PANEL - 1) / PANEL * PANEL;
    Scratch[] workers = new Scratch[parts];
    SearchThreads.run(parts, p -> {
      Scratch s = searchers.get().scratch;
      workers[p] = s;
      s.resetTops(nq, kk);
      scanPanels(packed, nq, filters, s, p * chunk, Math.min(size(), (p + 1) * chunk));
    });
    for (int q = 0; q < nq; q++) {
      TopK merged = merge(workers, q, caller.merge, kk);
      float[] query = metric == Metric.L2 ? queries[q] : null;
      emit(merged, caller, out[q], query);
    }
  }

  private void scanPanels(float[] packed, int nq, OrdinalFilter[] filters, Scratch s, int from, int to) {
    MemorySegment seg = vectors.segment();
    int dim = dimension();
    for (int start = from; start < to; start += PANEL) {
      int rows = Math.min(PANEL, to - start);
      VectorKernels.packPanel(seg, vectors.offset(start), rows, dim, s.panel);
      for (int q0 = 0; q0 < nq; q0 += QUERY_TILE) {
        int count = Math.min(QUERY_TILE, nq - q0);
        VectorKernels.dotPanel(packed, q0, count, dim, s.panel, s.tile);
        for (int i = 0; i < count; i++) {
          int off = i * PANEL;
          if (squaredNorms != null) {
            toL2Rank(s.tile, off, start, rows);
          }
          OrdinalFilter f = filters == null ? null : filters[q0 + i];
          s.tops[q0 + i].offerBlock(s.tile, off, off + rows, start, f);
        }
      }
    }
  }

  /** Turns dot products into {@code 2 q.x - |x|^2}, which ranks as {@code -|q - x|^2} does. */
  private void toL2Rank(float[] tile, int off, int start, int rows) {
    for (int r = 0; r < rows; r++) {
      tile[off + r] = 2f * tile[off + r] - squaredNorms[start + r];
    }
  }

  private static TopK merge(Scratch[] workers, int q, TopK merged, int k) {
    if (workers.length == 1) {
      return workers[0].tops[q];
    }
    merged.reset(k);
    for (Scratch w : workers) {
      TopK part = w.tops[q];
      for (int i = 0; i < part.size(); i++) {
        merged.offer(part.ordinalAt(i), part.scoreAt(i));
      }
    }
    return merged;
  }

  /**
   * Writes the heap's entries to {@code out}, best first. With {@code l2Query}, scores are
   * recomputed as exact squared distances and the list re-sorted by them.
   */
  private void emit(TopK top, Scratch s, SearchResults out, float[] l2Query) {
    int n = top.drainDescending(s.ordinals, s.values);
    if (l2Query != null) {
      for (int i = 0; i < n; i++) {
        s.values[i] = -VectorKernels.squareDistance(l2Query, vectors.segment(), vectors.offset(s.ordinals[i]),
            dimension());
      }
      sortDescending(s.ordinals, s.values, n);
    }
    for (int i = 0; i < n; i++) {
      out.add(ids.id(s.ordinals[i]), metric.externalScore(s.values[i]));
    }
  }

  /** Insertion sort of a k-sized list that is already nearly in order; ties by ordinal. */
  private static void sortDescending(int[] ords, float[] vals, int n) {
    for (int i = 1; i < n; i++) {
      int o = ords[i];
      float v = vals[i];
      int j = i - 1;
      while (j >= 0 && (vals[j] < v || (vals[j] == v && ords[j] > o))) {
        ords[j + 1] = ords[j];
        vals[j + 1] = vals[j];
        j--;
      }
      ords[j + 1] = o;
      vals[j + 1] = v;
    }
  }

  private void checkBatch(float[][] queries, OrdinalFilter[] filters, SearchResults[] out, int threads) {
    Checks.positive("threads", threads);
    if (filters != null && filters.length != queries.length) {
      throw new IllegalArgumentException(filters.length + " filters for " + queries.length + " queries");
    }
    if (out.length < queries.length) {
      throw new IllegalArgumentException(out.length + " result holders for " + queries.length + " queries");
    }
  }

  private void checkOpen() {
    memory.checkOpen();
  }

  @Override
  public void close() {
    memory.close();
  }

  /** A searcher of this index: its scratch and the last parameters it parsed. */
  private final class FlatSearcher implements Searcher {
    final ParsedParams parsed = new ParsedParams(FlatIndex.this);
    Scratch scratch = new Scratch(dimension());

    @Override
    public void search(float[] query, int k, OrdinalFilter filter, SearchParams params, SearchResults out) {
      checkOpen();
      if (scratch == null) {
        throw new IllegalStateException("flat searcher is closed");
      }
      Checks.k(k);
      SearchParams.of(SearchParams.None.class, params, SearchParams.None.INSTANCE, KIND);
      FlatIndex.this.search(scratch, query, k, filter, out);
    }

    @Override
    public void close() {
      scratch = null;
    }
  }

  /** Search buffers, sized on first use and grown, never shrunk. */
  private static final class Scratch {
    final int dim;
    final float[] query;
    final float[] scores = new float[BLOCK];
    final float[] panel;
    final float[] tile = new float[QUERY_TILE * PANEL];
    final TopK top = new TopK(10);
    final TopK merge = new TopK(10);
    TopK[] tops = new TopK[0];
    float[] packed = new float[0];
    int[] ordinals = new int[16];
    float[] values = new float[16];

    Scratch(int dim) {
      this.dim = dim;
      this.query = new float[dim];
      this.panel = new float[dim * PANEL];
    }

    /** Checks the query, copies it, and normalises the copy for cosine. */
    float[] prepare(float[] q, Metric metric) {
      Checks.vector(q, dim, "query");
      System.arraycopy(q, 0, query, 0, dim);
      if (metric == Metric.COSINE) {
        VectorKernels.normalize(query);
      }
      return query;
    }

    /** Checks every query and lays them out back to back for dotPanel. */
    float[] packQueries(float[][] queries, Metric metric) {
      if (packed.length < queries.length * dim) {
        packed = new float[queries.length * dim];
      }
      for (int i = 0; i < queries.length; i++) {
        Checks.vector(queries[i], dim, "query", i);
        System.arraycopy(queries[i], 0, packed, i * dim, dim);
        if (metric == Metric.COSINE) {
          normalizeInPlace(packed, i * dim, dim);
        }
      }
      return packed;
    }

    void resetTops(int nq, int k) {
      if (tops.length < nq) {
        TopK[] grown = java.util.Arrays.copyOf(tops, nq);
        for (int i = tops.length; i < nq; i++) {
          grown[i] = new TopK(k);
        }
        tops = grown;
      }
      for (int i = 0; i < nq; i++) {
        tops[i].reset(k);
      }
      ensureOutput(k);
    }

    void ensureOutput(int k) {
      if (ordinals.length < k) {
        ordinals = new int[k];
        values = new float[k];
      }
    }

    private static void normalizeInPlace(float[] a, int off, int len) {
      float norm = (float) Math.sqrt(VectorKernels.dot(a, off, a, off, len));
      if (norm > 0f) {
        for (int j = 0; j < len; j++) {
          a[off + j] /= norm;
        }
      }
    }
  }
}

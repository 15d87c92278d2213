package dev.quiver.pq;

import dev.quiver.engine.Checks;
import dev.quiver.engine.IdMap;
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
import dev.quiver.simd.TopK;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntPredicate;

/**
 * What the quantized and inverted-file kinds share: query checks and normalisation, per-thread
 * scratch, filters, the optional exact re-rank, results, batches and the lifetime of the memory.
 * A subclass only fills a {@link TopK} with candidates ({@link #collect}).
 *
 * <p>Items are stored at <em>positions</em> that a kind may order as it likes (IVF groups them by
 * list); {@code positionOrdinals}, when not null, maps a position to the item's ordinal (its
 * place in the vectors the index was built from), which is what filters test and ids are keyed
 * by. Candidates in the {@link TopK} are positions; internal scores are higher-is-better (the
 * negated distance for L2).
 *
 * <p>With exact vectors kept ({@code refine=1} at build, one float32 row per position), the
 * search parameter {@code rerank=R} collects the best {@code max(k, R)} candidates by their
 * approximate score and returns the best {@code k} of them by their exact score; without it the
 * kind's {@link #defaultRerank} depth applies, so that an index built to rescore does.
 *
 * <p>Thread-safe for searches; nothing is allocated per query once a {@link Searcher}'s scratch
 * is warm ({@link #newSearcher()}; the {@code Params} path keeps one searcher per thread).
 * {@link #close()} frees (or unmaps) everything; a search after it throws IllegalStateException.
 *
 * @param <S> the kind's per-thread scratch
 */
public abstract class ApproximateIndex<S extends ApproximateIndex.Scratch> implements VectorIndex {
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
  /** Scores computed per block of a scan, as in the flat index. */
  protected static final int BLOCK = 1024;

  protected final Metric metric;
  protected final int dim;
  protected final int count;
  protected final IdMap ids;
  protected final MemorySegment positionOrdinals;
  protected final MemorySegment exact;
  private final IndexMemory memory;
  private final ThreadLocal<ApproximateSearcher> searchers;
  /** Ordinal to position, built on first use; null until then and when positions are ordinals. */
  private volatile MemorySegment ordinalPositions;
  /** Owns {@link #ordinalPositions}; guarded by {@link #positionsLock}. */
  private Arena positionsArena;
  private final Object positionsLock = new Object();

  // The searcher factory runs on a thread's first search, never during construction.
  @SuppressWarnings("this-escape")
  protected ApproximateIndex(Metric metric, int dim, int count, IdMap ids, MemorySegment positionOrdinals,
                             MemorySegment exact, AutoCloseable memoryOwner) {
    this.metric = metric;
    this.dim = dim;
    this.count = count;
    this.ids = ids;
    this.positionOrdinals = positionOrdinals;
    this.exact = exact;
    this.memory = new IndexMemory(kind(), memoryOwner);
    this.searchers = ThreadLocal.withInitial(ApproximateSearcher::new);
  }

  /** A fresh scratch for the calling thread. */
  protected abstract S newScratch();

  /**
   * The kind's typed search parameters from {@code params}, whose names are checked against
   * {@link #searchParameters} and whose {@code rerank} (0 when absent) is parsed already.
   */
  protected abstract SearchParams typedParams(Params params, int rerank);

  /**
   * Sets up {@code s} for a search with {@code params} (the kind's typed parameters, null for its
   * defaults) and returns their rerank depth, 0 for none.
   *
   * @throws IllegalArgumentException parameters of another kind
   */
  protected abstract int configure(S s, SearchParams params);

  /**
   * How many candidates a search for {@code k} items rescores when its parameters name no
   * {@code rerank} and the index keeps exact vectors. Codes that rank items well need few.
   */
  protected abstract int defaultRerank(int k);

  /** The search parameter names this kind accepts, {@code rerank} included when it has exact vectors. */
  protected abstract java.util.Set<String> searchParameters();

  /**
   * Offers candidates for the prepared query {@code s.query} into {@code s.top} (reset to the
   * collection depth), every offer through {@code s.accept} (null when no filter).
   */
  protected abstract void collect(S s);

  @Override
  public final Metric metric() {
    return metric;
  }

  @Override
  public final int dimension() {
    return dim;
  }

  @Override
  public final int size() {
    return count;
  }

  @Override
  public final long id(int ordinal) {
    Checks.index("ordinal", ordinal, count);
    return ids.id(ordinal);
  }

  @Override
  public final int ordinal(long id) {
    checkOpen();
    return ids.ordinal(id);
  }

  /** {@inheritDoc} With exact vectors kept (refine), the exact row; else {@link #reconstruct}. */
  @Override
  public final void vector(int ordinal, float[] out) {
    checkOpen();
    Checks.index("ordinal", ordinal, count);
    Checks.output(out, dim);
    int position = positionOf(ordinal);
    if (exact != null) {
      MemorySegment.copy(exact, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) position * dim * Float.BYTES, out, 0, dim);
    } else {
      reconstruct(position, out);
    }
  }

  /** Writes the vector of the item at {@code position} as decoded from the kind's storage into {@code out}. */
  protected abstract void reconstruct(int position, float[] out);

  /** True when exact vectors are kept for re-ranking. */
  public final boolean refines() {
    return exact != null;
  }

  /** Bytes of the ids and position map; kinds add their own. */
  protected final long commonBytes() {
    return (ids.isIdentity() ? 0 : (long) count * Long.BYTES)
        + (positionOrdinals == null ? 0 : (long) count * Integer.BYTES)
        + (exact == null ? 0 : (long) count * dim * Float.BYTES);
  }

  protected final int ordinalAt(int position) {
    return positionOrdinals == null ? position : positionOrdinals.getAtIndex(INT, position);
  }

  /** The position of the item at {@code ordinal}: the inverse of {@link #ordinalAt}. */
  protected final int positionOf(int ordinal) {
    if (positionOrdinals == null) {
      return ordinal;
    }
    MemorySegment inverse = ordinalPositions;
    return (inverse != null ? inverse : invertPositions()).getAtIndex(INT, ordinal);
  }

  /**
   * Builds the ordinal-to-position map on first use (searches never need it) in an arena of its
   * own, which {@link #close()} frees; a mapped file thus needs no write access for it.
   */
  private MemorySegment invertPositions() {
    synchronized (positionsLock) {
      if (ordinalPositions == null) {
        checkOpen();
        Arena arena = Arena.ofShared();
        MemorySegment inverse = arena.allocate(Math.max(1, (long) count * Integer.BYTES), 64);
        for (int p = 0; p < count; p++) {
          inverse.setAtIndex(INT, positionOrdinals.getAtIndex(INT, p), p);
        }
        positionsArena = arena;
        ordinalPositions = inverse;
      }
      return ordinalPositions;
    }
  }

  @Override
  public final SearchParams searchParams(Params params) {
    Params p = params == null ? Params.DEFAULT : params;
    Knobs.only(p, kind() + " search", searchParameters());
    int rerank = Knobs.atLeast(p, "rerank", 0, 0);
    checkRerank(rerank);
    return typedParams(p, rerank);
  }

  @Override
  public final Searcher newSearcher() {
    checkOpen();
    return new ApproximateSearcher();
  }

  @Override
  public final void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    ApproximateSearcher s = searchers.get();
    s.search(query, k, filter, s.parsed.of(params), out);
  }

  /** Applies {@code params} to {@code s}: the kind's own settings, then the rerank depth. */
  private void apply(S s, SearchParams params) {
    int rerank = configure(s, params);
    checkRerank(rerank);
    s.rerank = rerank;
  }

  private void checkRerank(int rerank) {
    if (rerank > 0 && exact == null) {
      throw new IllegalArgumentException("rerank=" + rerank + " needs exact vectors: build the "
          + kind() + " index with refine=1");
    }
  }

  /** One checked query on the calling thread with its scratch, parameters already prepared. */
  protected final void searchOne(S s, float[] query, int k, OrdinalFilter filter, SearchResults out) {
    out.reset(k);
    if (count == 0) {
      return;
    }
    s.load(query, metric);
    int kk = Math.min(k, count);
    int rerank = s.rerank > 0 || exact == null ? s.rerank : defaultRerank(kk);
    int depth = Math.min(count, Math.max(kk, rerank));
    s.top.reset(depth);
    s.filter.filter = filter;
    s.accept = filter == null ? null : s.filter;
    collect(s);
    s.ensureOutput(depth);
    TopK best = rerank > 0 ? rerank(s, kk) : s.top;
    int n = best.drainDescending(s.positions, s.values);
    for (int i = 0; i < n; i++) {
      out.add(ids.id(ordinalAt(s.positions[i])), metric.externalScore(s.values[i]));
    }
  }

  /**
   * Re-scores the candidates with the exact vectors; returns the best {@code k} of them. The
   * candidates are read in heap order (their approximate order no longer matters) and scored by
   * the gathered-rows kernel, whose rows in flight overlap the cache misses of rows read at random.
   */
  private TopK rerank(S s, int k) {
    int n = s.top.size();
    for (int i = 0; i < n; i++) {
      s.positions[i] = s.top.ordinalAt(i);
    }
    if (metric == Metric.L2) {
      VectorKernels.squareDistanceRows(s.query, exact, s.positions, n, dim, s.values);
    } else {
      VectorKernels.dotRows(s.query, exact, s.positions, n, dim, s.values);
    }
    s.exactTop.reset(k);
    for (int i = 0; i < n; i++) {
      s.exactTop.offer(s.positions[i], metric == Metric.L2 ? -s.values[i] : s.values[i]);
    }
    return s.exactTop;
  }

  /**
   * Splits the queries into one contiguous range per thread; each thread searches its queries
   * one by one with its own scratch. Kinds may batch further inside {@link #searchRange}.
   */
  @Override
  public final void searchBatch(float[][] queries, int k, OrdinalFilter[] filters, Params params,
                                SearchResults[] out, int threads) {
    checkOpen();
    Checks.k(k);
    Checks.positive("threads", threads);
    if (filters != null && filters.length != queries.length) {
      throw new IllegalArgumentException(filters.length + " filters for " + queries.length + " queries");
    }
    if (out.length < queries.length) {
      throw new IllegalArgumentException(out.length + " result holders for " + queries.length + " queries");
    }
    for (int i = 0; i < queries.length; i++) {
      Checks.vector(queries[i], dim, "query", i);
    }
    SearchParams typed = searchParams(params);
    apply(searchers.get().scratch, typed);
    int nq = queries.length;
    int parts = SearchThreads.parallelism(Math.min(threads, Math.max(1, nq)));
    int chunk = (nq + parts - 1) / parts;
    SearchThreads.run(parts, p -> {
      S s = searchers.get().scratch;
      apply(s, typed);
      searchRange(s, queries, p * chunk, Math.min(nq, (p + 1) * chunk), k, filters, out);
    });
  }

  /** Searches {@code queries[from..to)} on the calling thread. */
  protected void searchRange(S s, float[][] queries, int from, int to, int k, OrdinalFilter[] filters,
                             SearchResults[] out) {
    for (int q = from; q < to; q++) {
      searchOne(s, queries[q], k, filters == null ? null : filters[q], out[q]);
    }
  }

  protected final void checkOpen() {
    memory.checkOpen();
  }

  @Override
  public final void close() {
    try {
      memory.close();
    } finally {
      synchronized (positionsLock) {
        if (positionsArena != null) {
          positionsArena.close();
          positionsArena = null;
        }
      }
    }
  }

  /** A searcher of this index: its scratch and the last parameters it parsed. */
  private final class ApproximateSearcher implements Searcher {
    final ParsedParams parsed = new ParsedParams(ApproximateIndex.this);
    S scratch = newScratch();

    @Override
    public void search(float[] query, int k, OrdinalFilter filter, SearchParams params, SearchResults out) {
      checkOpen();
      if (scratch == null) {
        throw new IllegalStateException(kind() + " searcher is closed");
      }
      Checks.k(k);
      apply(scratch, params);
      Checks.vector(query, dim, "query");
      searchOne(scratch, query, k, filter, out);
    }

    @Override
    public void close() {
      scratch = null;
    }
  }

  /** Tests the ordinal behind a candidate position against the caller's filter. */
  protected static final class PositionFilter implements IntPredicate {
    private final ApproximateIndex<?> index;
    OrdinalFilter filter;

    PositionFilter(ApproximateIndex<?> index) {
      this.index = index;
    }

    @Override
    public boolean test(int position) {
      return filter.test(index.ordinalAt(position));
    }
  }

  /** A searcher's buffers, sized on first use and grown, never shrunk. Subclassed by each kind. */
  public static class Scratch {
    /** The prepared query: a copy, normalised for cosine. */
    public final float[] query;
    /** Scores of one block of a scan. */
    public final float[] scores = new float[BLOCK];
    /** The candidates, positions with higher-is-better scores. */
    public final TopK top = new TopK(10);
    final TopK exactTop = new TopK(10);
    /** The caller's filter seen through positions, or null: pass to {@link TopK#offerBlock}. */
    public IntPredicate accept;
    final PositionFilter filter;
    /** {@code |q|^2} of the prepared query (after normalisation). */
    public float querySquaredNorm;
    /** The re-rank depth of the current parameters; 0 for none. */
    public int rerank;
    int[] positions = new int[16];
    float[] values = new float[16];

    protected Scratch(ApproximateIndex<?> index) {
      this.query = new float[index.dim];
      this.filter = new PositionFilter(index);
    }

    final void load(float[] q, Metric metric) {
      System.arraycopy(q, 0, query, 0, query.length);
      if (metric == Metric.COSINE) {
        VectorKernels.normalize(query);
      }
      querySquaredNorm = VectorKernels.dot(query, query);
    }

    final void ensureOutput(int k) {
      if (positions.length < k) {
        positions = new int[k];
        values = new float[k];
      }
    }
  }
}

package dev.quiver.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Several complete indexes of one kind, each over its own contiguous range of item ordinals,
 * searched as one: what a build split over many machines (one shard per task) serves. Shard
 * {@code s} holds ordinals {@code [base(s), base(s) + size(s))} as its own ordinals
 * {@code 0..size(s)-1}; ids are those ordinals, so the snapshot's item id table maps results as
 * for a single index.
 *
 * <p>A query asks every shard for its own top {@code k} and merges them exactly: the global top
 * {@code k} is among the shards' top {@code k}s, so the merge loses nothing a shard found. Shards
 * run on {@link SearchThreads}, one thread per shard where cores allow. Thread-safe as its shards;
 * owns them and closes them with itself.
 */
public final class ShardedIndex implements VectorIndex {
  private final VectorIndex[] shards;
  private final int[] bases;
  private final int size;
  private final ThreadLocal<SearchResults[]> shardResults;

  private ShardedIndex(VectorIndex[] shards) {
    this.shards = shards;
    this.bases = new int[shards.length + 1];
    for (int s = 0; s < shards.length; s++) {
      bases[s + 1] = Math.addExact(bases[s], shards[s].size());
    }
    this.size = bases[shards.length];
    this.shardResults = ThreadLocal.withInitial(() -> newResults(shards.length, 16));
  }

  /**
   * Wraps {@code shards} (in ordinal order; at least one, all of one kind, metric and dimension,
   * each built without ids). A single shard is returned as it is.
   */
  public static VectorIndex of(List<VectorIndex> shards) {
    if (shards.isEmpty()) {
      throw new IllegalArgumentException("a sharded index needs at least one shard");
    }
    VectorIndex first = shards.getFirst();
    for (VectorIndex s : shards) {
      if (!s.kind().equals(first.kind()) || s.metric() != first.metric() || s.dimension() != first.dimension()) {
        throw new IllegalArgumentException("shards differ: " + describe(first) + " and " + describe(s));
      }
    }
    return shards.size() == 1 ? first : new ShardedIndex(shards.toArray(new VectorIndex[0]));
  }

  private static String describe(VectorIndex i) {
    return i.kind() + " " + i.metric().shortName() + " of dimension " + i.dimension();
  }

  public int shardCount() {
    return shards.length;
  }

  /** Shard {@code s} (owned by this index). */
  public VectorIndex shard(int s) {
    return shards[s];
  }

  /** The first global ordinal of shard {@code s}. */
  public int base(int s) {
    return bases[s];
  }

  @Override
  public String kind() {
    return shards[0].kind();
  }

  @Override
  public Metric metric() {
    return shards[0].metric();
  }

  @Override
  public int dimension() {
    return shards[0].dimension();
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public long byteSize() {
    long bytes = 0;
    for (VectorIndex s : shards) {
      bytes += s.byteSize();
    }
    return bytes;
  }

  @Override
  public long id(int ordinal) {
    int s = shardOf(ordinal);
    return bases[s] + shards[s].id(ordinal - bases[s]);
  }

  @Override
  public int ordinal(long id) {
    return id >= 0 && id < size ? (int) id : -1;
  }

  @Override
  public void vector(int ordinal, float[] out) {
    int s = shardOf(ordinal);
    shards[s].vector(ordinal - bases[s], out);
  }

  /** The shard holding {@code ordinal}: the last whose base is at or below it. */
  private int shardOf(int ordinal) {
    Checks.index("ordinal", ordinal, size);
    int lo = 0;
    int hi = shards.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (bases[mid] <= ordinal) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** The shards' kind's typed parameters: every shard is of that kind. */
  @Override
  public SearchParams searchParams(Params params) {
    return shards[0].searchParams(params);
  }

  /**
   * A searcher that holds one searcher per shard and asks the shards in turn on the calling
   * thread, allocating nothing; {@link #search(float[], int, OrdinalFilter, Params, SearchResults)}
   * instead runs the shards in parallel.
   */
  @Override
  public Searcher newSearcher() {
    return new ShardedSearcher();
  }

  @Override
  public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    Checks.k(k);
    SearchResults[] parts = results(k);
    int threads = SearchThreads.parallelism(shards.length);
    SearchThreads.run(threads, t -> {
      for (int s = t; s < shards.length; s += threads) {
        shards[s].search(query, k, shifted(filter, s), params, parts[s]);
      }
    });
    merge(parts, k, out, new int[parts.length]);
  }

  @Override
  public void searchBatch(float[][] queries, int k, OrdinalFilter[] filters, Params params,
                          SearchResults[] out, int threads) {
    Checks.k(k);
    if (filters != null && filters.length != queries.length || out.length != queries.length) {
      throw new IllegalArgumentException(queries.length + " queries need as many results (got " + out.length
          + ") and filters (got " + (filters == null ? "none" : filters.length) + ")");
    }
    SearchResults[][] parts = new SearchResults[shards.length][];
    int workers = SearchThreads.parallelism(Math.min(threads, shards.length));
    SearchThreads.run(workers, t -> {
      for (int s = t; s < shards.length; s += workers) {
        parts[s] = newResults(queries.length, k);
        shards[s].searchBatch(queries, k, shiftedAll(filters, s), params, parts[s], 1);
      }
    });
    SearchResults[] perQuery = new SearchResults[shards.length];
    for (int q = 0; q < queries.length; q++) {
      for (int s = 0; s < shards.length; s++) {
        perQuery[s] = parts[s][q];
      }
      merge(perQuery, k, out[q], new int[perQuery.length]);
    }
  }

  /** Shard {@code s}'s view of a filter on global ordinals; null stays null. */
  private OrdinalFilter shifted(OrdinalFilter filter, int s) {
    int base = bases[s];
    return filter == null || base == 0 ? filter : local -> filter.test(base + local);
  }

  private OrdinalFilter[] shiftedAll(OrdinalFilter[] filters, int s) {
    if (filters == null) {
      return null;
    }
    OrdinalFilter[] out = new OrdinalFilter[filters.length];
    for (int q = 0; q < filters.length; q++) {
      out[q] = shifted(filters[q], s);
    }
    return out;
  }

  /**
   * The best {@code k} of the shards' lists (each best first) into {@code out}, ids made global.
   * Ties go to the lower shard, so equal scores come back in ordinal order as one index gives them.
   */
  private void merge(SearchResults[] parts, int k, SearchResults out, int[] next) {
    out.reset(k);
    Arrays.fill(next, 0);
    boolean lowerIsBetter = metric() == Metric.L2;
    while (out.count() < k) {
      int best = -1;
      for (int s = 0; s < parts.length; s++) {
        if (next[s] < parts[s].count() && (best < 0
            || better(parts[s].score(next[s]), parts[best].score(next[best]), lowerIsBetter))) {
          best = s;
        }
      }
      if (best < 0) {
        return;
      }
      out.add(bases[best] + parts[best].id(next[best]), parts[best].score(next[best]));
      next[best]++;
    }
  }

  private static boolean better(float a, float b, boolean lowerIsBetter) {
    return lowerIsBetter ? a < b : a > b;
  }

  private SearchResults[] results(int k) {
    SearchResults[] r = shardResults.get();
    for (SearchResults s : r) {
      s.reset(k);
    }
    return r;
  }

  private static SearchResults[] newResults(int n, int k) {
    SearchResults[] r = new SearchResults[n];
    for (int i = 0; i < n; i++) {
      r[i] = new SearchResults(k);
    }
    return r;
  }

  /** One thread's searcher: a searcher per shard, their result lists, filters shifted in place. */
  private final class ShardedSearcher implements Searcher {
    private final Searcher[] searchers = new Searcher[shards.length];
    private final SearchResults[] parts = newResults(shards.length, 16);
    private final ShiftedFilter[] filters = new ShiftedFilter[shards.length];
    private final int[] next = new int[shards.length];

    ShardedSearcher() {
      for (int s = 0; s < shards.length; s++) {
        searchers[s] = shards[s].newSearcher();
        filters[s] = new ShiftedFilter(bases[s]);
      }
    }

    @Override
    public void search(float[] query, int k, OrdinalFilter filter, SearchParams params, SearchResults out) {
      Checks.k(k);
      for (int s = 0; s < shards.length; s++) {
        OrdinalFilter f = filter == null || bases[s] == 0 ? filter : filters[s].over(filter);
        searchers[s].search(query, k, f, params, parts[s]);
      }
      merge(parts, k, out, next);
    }

    @Override
    public void close() {
      for (Searcher s : searchers) {
        s.close();
      }
    }
  }

  /** A filter on global ordinals seen from a shard whose ordinals start at {@code base}; reused. */
  private static final class ShiftedFilter implements OrdinalFilter {
    private final int base;
    private OrdinalFilter filter;

    ShiftedFilter(int base) {
      this.base = base;
    }

    ShiftedFilter over(OrdinalFilter global) {
      filter = global;
      return this;
    }

    @Override
    public boolean test(int local) {
      return filter.test(base + local);
    }
  }

  /** A sharded index is published as one file per shard (see the snapshot layout), not as one file. */
  @Override
  public void write(Path path) throws IOException {
    throw new UnsupportedOperationException("a sharded index is written shard by shard; " + path + " would hold one");
  }

  @Override
  public void close() {
    for (VectorIndex s : shards) {
      s.close();
    }
  }
}

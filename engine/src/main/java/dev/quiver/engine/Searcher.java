package dev.quiver.engine;

/**
 * One thread's handle on one index, as JVector's {@code GraphSearcher}: it owns the buffers a
 * search needs (query copy, candidate heaps, score blocks), so that a search allocates nothing
 * once they have grown to the largest {@code k} seen, and it takes parameters already in typed
 * form ({@link VectorIndex#searchParams}).
 *
 * <pre>{@code
 * SearchParams params = index.searchParams(Params.parse("efSearch=96"));   // once
 * try (Searcher searcher = index.newSearcher()) {                         // once per thread
 *   SearchResults out = new SearchResults(10);
 *   searcher.search(query, 10, null, params, out);                        // per query
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one searcher per thread. Closing a searcher frees its buffers, not the
 * index; searching with a closed searcher, or over a closed index, throws
 * {@link IllegalStateException}.
 */
public interface Searcher extends AutoCloseable {

  /**
   * The best {@code k} items for {@code query} that {@code filter} accepts (null: all), best
   * first, into {@code out}, as {@link VectorIndex#search(float[], int, OrdinalFilter, Params,
   * SearchResults)} does.
   *
   * @param params this index's typed parameters ({@link VectorIndex#searchParams}); null for the
   *     kind's defaults
   * @throws IllegalArgumentException wrong dimension, non-finite component, {@code k <= 0},
   *     parameters of another kind
   */
  void search(float[] query, int k, OrdinalFilter filter, SearchParams params, SearchResults out);

  /** Frees this searcher's buffers; idempotent. */
  @Override
  void close();
}

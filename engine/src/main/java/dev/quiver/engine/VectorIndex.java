package dev.quiver.engine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A searchable set of item vectors: the interface every index kind (flat, IVF, HNSW, PQ...)
 * implements. Searches are thread-safe and take every parameter per call; nothing a search
 * depends on is mutable shared state. A service that searches from its own threads holds one
 * {@link Searcher} per thread ({@link #newSearcher()}) and parameters parsed once
 * ({@link #searchParams}); {@link #search} does the same through a thread-local. Off-heap memory lives until {@link #close()}; searching a
 * closed index throws {@link IllegalStateException}.
 */
public interface VectorIndex extends AutoCloseable {

  /** The kind name under which {@link IndexFormat} opens this index's files ({@code flat}, ...). */
  String kind();

  Metric metric();

  int dimension();

  /** Number of items. */
  int size();

  /** Bytes the index holds in memory or maps (vectors, codes, graph, ids). */
  long byteSize();

  /** External id of the item at {@code ordinal}. */
  long id(int ordinal);

  /**
   * The ordinal of the item with external id {@code id}, or -1 when no item has it. The first
   * call may build the reverse map (a scan of the ids); later ones are a hash lookup.
   *
   * @throws IllegalStateException when the index is closed
   */
  int ordinal(long id);

  /**
   * Writes the vector of the item at {@code ordinal} into {@code out[0..dimension)}, as the index
   * holds it, FAISS's {@code reconstruct}: the item-to-item query of "neighbours of this item".
   * Cosine kinds hold normalised vectors. Kinds that keep exact vectors (flat, HNSW, IVF-flat,
   * quantized kinds built with {@code refine=1}) give the stored row; the others give the
   * reconstruction from the item's code (for IVF, list centroid plus decoded residual), which is
   * what their approximate scores measure. Allocates nothing once warm (the IVF kinds build
   * their ordinal-to-position map, 4 bytes an item, on the first call).
   *
   * @throws IllegalArgumentException {@code ordinal} outside {@code [0, size)}, or {@code out}
   *     not of length {@link #dimension()}
   * @throws IllegalStateException when the index is closed
   */
  void vector(int ordinal, float[] out);

  /**
   * Parses kind-specific search parameters ({@code nprobe}, {@code efSearch}; none for flat) into
   * the kind's typed form, once, for any number of {@link Searcher#search} calls on any thread.
   *
   * @param params null or empty for the kind's defaults
   * @throws IllegalArgumentException an unknown name or a value out of range, named
   */
  SearchParams searchParams(Params params);

  /**
   * A searcher for one thread, owning its scratch: the explicit form of {@link #search}. Cheap
   * to make (its buffers are sized on first use); close it when the thread is done with it.
   *
   * @throws IllegalStateException when the index is closed
   */
  Searcher newSearcher();

  /**
   * The best {@code k} items for {@code query} that {@code filter} accepts (null: all), best first,
   * into {@code out}. Fewer than {@code k} come back when fewer are eligible. A convenience over
   * {@link #newSearcher()}: the calling thread's own searcher (kept in a thread-local) searches
   * with {@code params} parsed once per {@code Params} object it sees in a row, so reusing one
   * {@code Params} object keeps this path free of parsing and allocation.
   *
   * @param params kind-specific search parameters ({@code nprobe}, {@code efSearch}); empty for flat
   * @throws IllegalArgumentException wrong dimension, non-finite component, {@code k <= 0}
   */
  void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out);

  /** Allocating convenience form of {@link #search(float[], int, OrdinalFilter, Params, SearchResults)}. */
  default SearchResults search(float[] query, int k) {
    SearchResults out = new SearchResults(k);
    search(query, k, null, Params.DEFAULT, out);
    return out;
  }

  /**
   * Searches many queries in one call on up to {@code threads} threads. {@code filters} is null
   * (no filter) or holds one filter per query (entries may be null). {@code out[i]} receives the
   * results of {@code queries[i]}.
   */
  void searchBatch(float[][] queries, int k, OrdinalFilter[] filters, Params params,
                   SearchResults[] out, int threads);

  /** Writes the index to {@code path} in the format its {@link IndexFormat} opens. */
  void write(Path path) throws IOException;

  /** Frees off-heap memory; idempotent. */
  @Override
  void close();
}

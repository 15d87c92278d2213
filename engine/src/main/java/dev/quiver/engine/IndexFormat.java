package dev.quiver.engine;

import java.io.IOException;

/**
 * The service-provider interface through which an index kind plugs into the engine, found with
 * {@link java.util.ServiceLoader} (a module lists its implementation in
 * {@code META-INF/services/dev.quiver.engine.IndexFormat}). The engine thus builds and opens an
 * index of any kind by its name without depending on the module that implements it, as Lucene
 * finds codecs.
 *
 * <p>Implementations are stateless and thread-safe, with a public no-argument constructor.
 */
public interface IndexFormat {

  /** The kind name: {@code flat}, {@code hnsw}, {@code ivf-flat}... Lower case, unique. */
  String kind();

  /**
   * Builds an index over {@code vectors}. The caller keeps ownership of {@code vectors}: the index
   * copies what it keeps.
   *
   * @param ids external ids, one per vector, distinct; null means ids equal ordinals
   * @param params kind-specific build parameters ({@code M}, {@code nlist}...); unknown names are
   *     rejected with an IllegalArgumentException naming them
   * @param threads how many threads the build may use
   */
  VectorIndex build(VectorStore vectors, long[] ids, Metric metric, Params params, int threads);

  /**
   * Opens an index from a mapped file whose header names this kind. On success the index owns
   * {@code file} and closes it with itself; on failure the caller closes it.
   */
  VectorIndex open(IndexFile file) throws IOException;

  /**
   * An empty index of this kind that takes items while it is searched.
   *
   * @throws UnsupportedOperationException when this kind is built once and only searched
   */
  default MutableIndex newMutable(int dimension, Metric metric, Params params) {
    throw new UnsupportedOperationException("index kind '" + kind() + "' takes no items after its build");
  }
}

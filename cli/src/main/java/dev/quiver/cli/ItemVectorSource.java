package dev.quiver.cli;

import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.util.List;

/**
 * Where {@code build-snapshot} gets its item vectors. Today: vectors computed elsewhere
 * ({@link PrecomputedItemVectors}). The item tower plugs in here: a source that reads item
 * feature rows (JSON lines or CSV) and runs them in batches through the model's item tower
 * (CPU or GPU backend) returns the same store, and the rest of the build is unchanged.
 */
interface ItemVectorSource {

  /** What the vectors come from, for the summary. */
  String describe();

  /** The item vectors, one row per item ordinal; the caller closes the store. */
  VectorStore vectors() throws IOException;

  /** The item heads' names when the items have one vector per head (one index each), else empty. */
  default List<String> headNames() throws IOException {
    return List.of();
  }

  /** One store per item head (just {@link #vectors()} for one head); the caller closes them. */
  default List<VectorStore> headVectors() throws IOException {
    return List.of(vectors());
  }
}

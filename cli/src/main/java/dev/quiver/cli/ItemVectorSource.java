package dev.quiver.cli;

import dev.quiver.engine.VectorStore;
import java.io.IOException;

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
}

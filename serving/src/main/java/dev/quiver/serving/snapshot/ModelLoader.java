package dev.quiver.serving.snapshot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Opens the model of a snapshot. The snapshot layer copies, checksums and fingerprints the model
 * directory as files and leaves its meaning to this loader, so a snapshot serves any model type.
 *
 * @param <M> the model type; {@link AutoCloseable#close()} is called once, when the snapshot is
 *     freed, before its arena closes
 */
@FunctionalInterface
public interface ModelLoader<M extends AutoCloseable> {

  /**
   * Loads the model in {@code modelDir}. Off-heap memory (mapped weights) belongs in
   * {@code arena}, the snapshot's, which closes after the model once the snapshot's last lease is
   * released.
   */
  M load(Path modelDir, Arena arena) throws IOException;

  /**
   * The dimension of the vectors the model's towers produce, which must equal the index's; -1
   * when the loader cannot tell (no check).
   */
  default int dimension(M model) {
    return -1;
  }
}

package dev.quiver.serving.snapshot;

/**
 * Told what a {@link SnapshotManager} does, on the manager's threads (the caller of
 * {@code refresh}, the watcher, the background verifier, the reaper): keep implementations short
 * and thread-safe. Every method does nothing by default.
 */
public interface SnapshotListener {

  /** {@code version} is serving; {@code loadNanos} from the start of its load to the swap. */
  default void swapped(long previousVersion, long version, long loadNanos) {}

  /**
   * Loading or verifying {@code version} failed; the snapshot being served (if any) keeps serving.
   * {@code version} is -1 when the pointer itself could not be read.
   */
  default void failed(long version, Throwable cause) {}

  /** The last lease of a retired {@code version} was released and its memory freed. */
  default void freed(long version) {}
}

package dev.quiver.serving.snapshot;

/** How much of a snapshot's files the loader reads before serving it. */
public enum Verification {
  /** Every file's size and CRC32C before the snapshot is served. */
  FULL,
  /**
   * Sizes before serving; checksums in the background while the snapshot serves. A mismatch found
   * then is reported and the manager rolls back to the previous version.
   */
  SIZES_THEN_BACKGROUND
}

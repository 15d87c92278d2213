package dev.quiver.serving.snapshot;

/**
 * The steps of {@link SnapshotWriter#publish}, in order. A crash before {@link #SWAP_POINTER}
 * completes leaves the previous snapshot current; from then on, the new one.
 */
public enum PublishStep {
  /** Remove what a crashed publish left behind; pick the version. */
  CLEAN,
  /** Create the temporary directory. */
  CREATE_TEMP,
  /** Copy the model directory. */
  COPY_MODEL,
  /** Write (or copy, or link) the index file. */
  WRITE_INDEX,
  /** Write the item id table. */
  WRITE_IDS,
  /** Checksum every file and write the manifest. */
  WRITE_MANIFEST,
  /** Force every file and directory of the snapshot to disk. */
  SYNC,
  /** Rename the temporary directory to its version's name and force the root. */
  RENAME,
  /** Write and force the new pointer under a temporary name. */
  WRITE_POINTER,
  /** Rename the new pointer over {@code CURRENT} and force the root. */
  SWAP_POINTER,
  /** Delete the versions beyond the retention setting. */
  PRUNE
}

package dev.quiver.cli;

import dev.quiver.serving.snapshot.SnapshotLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** What the snapshot commands (the benchmarks' too) check of a root before they act on it. Stateless. */
public final class SnapshotRoots {
  private SnapshotRoots() {}

  /** IOException naming {@code root} unless it is a directory. */
  public static void requireRoot(Path root) throws IOException {
    if (!Files.exists(root)) {
      throw new NoSuchFileException(root.toString(), null, "no such snapshot root");
    }
    requireDirectoryOrAbsent(root);
  }

  /** IOException naming {@code root} when it exists but is not a directory (a publish creates it). */
  public static void requireDirectoryOrAbsent(Path root) throws IOException {
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new IOException(root + ": --root is a file, not a snapshot root directory");
    }
  }

  /** The version CURRENT names, or -1 when nothing is published. */
  static long currentOrNone(Path root) throws IOException {
    return Files.exists(root.resolve(SnapshotLayout.CURRENT)) ? SnapshotLayout.current(root) : -1;
  }

  /** The directory of {@code version}, or of the current one when null; IOException when it is absent. */
  static Path versionDir(Path root, Long version) throws IOException {
    long v = version != null ? version : SnapshotLayout.current(root);
    Path dir = root.resolve(SnapshotLayout.dirName(v));
    if (!Files.isDirectory(dir)) {
      throw new IOException(root + ": no version " + v + " (versions: " + SnapshotLayout.versions(root) + ")");
    }
    return dir;
  }
}

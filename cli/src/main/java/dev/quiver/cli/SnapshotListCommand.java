package dev.quiver.cli;

import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.SnapshotLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver snapshot list}: the versions of a root, which one is current, and what each holds. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List the versions of a snapshot root: CURRENT, model fingerprint, index kind, items, size, created.")
final class SnapshotListCommand extends QuiverCommand {
  @Option(names = "--root", required = true, description = "The snapshot root.")
  Path root;

  @Override
  public Integer call() throws IOException {
    SnapshotRoots.requireRoot(root);
    long current = SnapshotRoots.currentOrNone(root);
    out().printf("%-9s %-7s %-12s %-6s %12s %10s  %s%n", "version", "current", "model", "kind", "items", "MiB",
        "created");
    for (long v : SnapshotLayout.versions(root)) {
      out().println(line(v, v == current));
    }
    if (current < 0) {
      out().println("nothing published yet (no CURRENT)");
    }
    return 0;
  }

  private String line(long version, boolean current) {
    Path dir = root.resolve(SnapshotLayout.dirName(version));
    String marker = current ? "CURRENT" : "";
    try {
      Manifest m = Manifest.read(dir.resolve(SnapshotLayout.MANIFEST));
      long bytes = m.files().stream().mapToLong(Manifest.FileEntry::size).sum() + Files.size(
          dir.resolve(SnapshotLayout.MANIFEST));
      return String.format("%-9s %-7s %-12s %-6s %,12d %10.1f  %s", dir.getFileName(), marker,
          m.modelFingerprint().substring(0, 12), m.index().kind(), m.itemCount(), bytes / 1048576.0, m.createdAt());
    } catch (IOException e) {
      return String.format("%-9s %-7s unreadable: %s", dir.getFileName(), marker, e.getMessage());
    }
  }
}

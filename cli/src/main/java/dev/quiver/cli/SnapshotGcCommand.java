package dev.quiver.cli;

import dev.quiver.serving.snapshot.SnapshotWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver snapshot gc}: removes what killed publishes left and versions that cannot serve. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    description = {"Remove the leftovers of killed publishes (temporary directories, an unswapped pointer)",
        "and version directories without a readable manifest; never the current version."})
final class SnapshotGcCommand extends QuiverCommand {
  @Option(names = "--root", required = true, description = "The snapshot root.")
  Path root;

  @Option(names = "--newer", description = "Also remove complete versions above the current one (rolled back from, or never published).")
  boolean newer;

  @Override
  public Integer call() throws IOException {
    SnapshotRoots.requireRoot(root);
    List<String> removed = SnapshotWriter.collectGarbage(root, newer);
    out().printf("%s: removed %d: %s%n", root, removed.size(), removed.isEmpty() ? "nothing to collect"
        : String.join(", ", removed));
    return 0;
  }
}

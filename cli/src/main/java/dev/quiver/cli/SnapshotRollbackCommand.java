package dev.quiver.cli;

import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotWriter;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver snapshot rollback}: points CURRENT at an earlier version, after checking that
 * it would serve; the services watching the root swap it in.
 */
@Command(name = "rollback", mixinStandardHelpOptions = true,
    description = {"Point CURRENT at another version (default: the newest below the current one), after",
        "verifying it as 'snapshot verify' does; services watching the root swap it in."})
final class SnapshotRollbackCommand extends QuiverCommand {
  @Option(names = "--root", required = true, description = "The snapshot root.")
  Path root;

  @Option(names = "--to", description = "The version to serve (default: the newest below the current one).")
  Long to;

  @Override
  public Integer call() throws IOException {
    SnapshotRoots.requireRoot(root);
    long current = SnapshotLayout.current(root);
    long target = to != null ? to : SnapshotLayout.previous(root, current);
    if (target <= 0) {
      throw new IOException(root + ": no version below the current one (" + current + ") to roll back to");
    }
    Path dir = SnapshotRoots.versionDir(root, target);
    TowerModelLoader.gate(snapshot -> { }).verify(dir);
    SnapshotWriter.point(root, target);
    out().printf("%s: CURRENT now names version %d (was %d)%n", root, target, current);
    return 0;
  }
}

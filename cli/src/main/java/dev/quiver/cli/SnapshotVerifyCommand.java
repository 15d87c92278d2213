package dev.quiver.cli;

import dev.quiver.engine.Params;
import dev.quiver.serving.recall.RecallCheck;
import dev.quiver.serving.recall.TowerModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver snapshot verify}: the check a version passes before it is published, run on a
 * published one: loaded as a service loads it, fully verified, and with {@code --users} its
 * recall@k against exact search over its own item vectors (merged, and per head pair). Exits 0
 * only when it would serve.
 */
@Command(name = "verify",
    description = {"Load a version as a service would and check it fully: every file's checksum, the model's",
        "shapes and dimension against the index, the item id table. With --users, also recall@k of the",
        "served search against exact search over the version's own item vectors, merged and of every",
        "(user head, item index) pair served; --min-recall fails when any is below it. Exit 0 only when it would serve."})
final class SnapshotVerifyCommand extends QuiverCommand {
  // --version names the snapshot version here, so the standard --version option is left out.
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = "--root", required = true, description = "The snapshot root.")
  Path root;

  @Option(names = "--version", description = "The version to verify (default: the current one).")
  Long version;

  @Option(names = "--users", description = "User feature rows (.jsonl) to measure recall@k with.")
  Path users;

  @Option(names = "--k", defaultValue = "100", description = "k of the recall (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--search", defaultValue = "", description = "Search parameters, as served (e.g. efSearch=200).")
  String search;

  @Option(names = "--min-recall", defaultValue = "0", description = "Fail below this recall (default ${DEFAULT-VALUE}).")
  double minRecall;

  @Override
  public Integer call() throws IOException {
    SnapshotRoots.requireRoot(root);
    Path dir = SnapshotRoots.versionDir(root, version);
    RecallCheck recall = users == null ? null : RecallCheck.ofUsers(users, k, Params.parse(search), minRecall);
    TowerModelLoader.gate(recall != null ? recall : snapshot -> { }).verify(dir);
    out().printf("%s: verified: it loads and serves as published%n", dir);
    if (recall != null) {
      RecallCheck.Measured m = recall.lastRecall();
      out().printf("recall@%d %.4f (%d users, search %s)%n", m.k(), m.recall(), m.users(), Params.parse(search));
      for (RecallCheck.HeadRecall h : m.heads()) {
        out().printf("  user head %s in item head %s's index: recall@%d %.4f%n", h.userHead(), h.itemHead(), m.k(),
            h.recall());
      }
    }
    return 0;
  }
}

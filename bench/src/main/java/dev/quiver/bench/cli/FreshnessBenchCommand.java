package dev.quiver.bench.cli;

import dev.quiver.bench.fresh.FreshnessBench;
import dev.quiver.cli.QuiverCommand;
import dev.quiver.engine.Params;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver freshness-bench}: how soon added items are recalled, and what adds cost the traffic. */
@Command(name = "freshness-bench", mixinStandardHelpOptions = true,
    description = {"Recall traffic on every core while fresh items are added at a fixed rate and some taken down:",
        "time from addItems' return to the first recall that returns the item (p50/p99), fresh-item recall",
        "against exact search over main + delta, recall p99 with and without adds, adds/s sustained, failed",
        "requests; then the same while the next version is built and swapped in. Builds the generated",
        "two-tower snapshot under --root unless one is there."})
public final class FreshnessBenchCommand extends QuiverCommand {
  @Option(names = "--root", required = true, description = "Snapshot root: reused when it has a snapshot, else built.")
  Path root;

  @Option(names = "--items", defaultValue = "1000000", description = "Catalog size when building (default ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--build", defaultValue = "M=16,efConstruction=100", description = "HNSW build parameters (default ${DEFAULT-VALUE}).")
  String build;

  @Option(names = "--search", defaultValue = "efSearch=200", description = "Search parameters of each head (default ${DEFAULT-VALUE}).")
  String search;

  @Option(names = "--k", defaultValue = "100", description = "Items per recall (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--threads", description = "Traffic threads (default: every core).")
  Integer threads;

  @Option(names = "--rate", defaultValue = "1000", description = "Items added per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--batch", defaultValue = "10", description = "Items per addItems call (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--adders", defaultValue = "4",
      description = "Threads calling addItems at once, each at its share of the rate (default ${DEFAULT-VALUE}).")
  int adders;

  @Option(names = "--remove-every", defaultValue = "20",
      description = "Take down one fresh and one main item every this many batches; 0: never (default ${DEFAULT-VALUE}).")
  int removeEvery;

  @Option(names = "--warmup-s", defaultValue = "10", description = "Unmeasured seconds first (default ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--window-s", defaultValue = "20", description = "Seconds of each measured phase (default ${DEFAULT-VALUE}).")
  double window;

  @Option(names = "--users", defaultValue = "200", description = "Users of the exact fresh-item recall (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--no-swap", description = "Skip the build and swap of the next version.")
  boolean noSwap;

  @Option(names = "--drift", defaultValue = "0.3", description = "How far the next version's model drifts (default ${DEFAULT-VALUE}).")
  double drift;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    positive("--rate", rate);
    positive("--batch", batch);
    positive("--adders", adders);
    positive("--k", k);
    positive("--items", items);
    positive("--window-s", window);
    FreshnessBench.run(new FreshnessBench.Config(root, items, Params.parse(build), Params.parse(search), k,
        threads == null ? cores() : threads, rate, batch, adders, removeEvery, warmup, window, users, !noSwap, drift, seed),
        out());
    out().flush();
    return 0;
  }

  private static void positive(String option, double value) {
    if (!(value > 0)) {
      throw new IllegalArgumentException(option + " must be positive, was " + (value == (long) value
          ? Long.toString((long) value) : Double.toString(value)));
    }
  }
}

package dev.quiver.bench.cli;

import dev.quiver.cli.QuiverCommand;
import dev.quiver.bench.snapshot.SwapBenchConfig;
import dev.quiver.bench.snapshot.SwapBenchmark;
import dev.quiver.engine.Params;
import dev.quiver.serving.snapshot.Verification;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver snapshot-bench}: latency of steady queries while snapshots are swapped in. */
@Command(name = "snapshot-bench", mixinStandardHelpOptions = true,
    description = {"Query a snapshot root at a steady rate, in alternating windows without swaps and with its",
        "current version republished every few seconds and hot-swapped by the watcher. Reports failed",
        "queries, latency percentiles of both phases, publish-to-serving time and load times.",
        "New versions are published into --root, which keeps its newest 2."})
public final class SnapshotBenchCommand extends QuiverCommand {
  @Option(names = "--root", required = true, description = "Snapshot root with a current version (build-snapshot).")
  Path root;

  @Option(names = "--queries", required = true, description = "User vectors (.fvecs, .npy).")
  Path queries;

  @Option(names = "--k", defaultValue = "10", description = "Results per query (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--search", defaultValue = "", description = "Search parameters, e.g. efSearch=64.")
  String search;

  @Option(names = "--rate", defaultValue = "2000", description = "Queries per second over all threads (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--threads", defaultValue = "2", description = "Query threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--warmup-s", defaultValue = "10", description = "Unmeasured seconds first (default ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--window-s", defaultValue = "10",
      description = "Seconds of a measured window; windows without and with swaps alternate (default ${DEFAULT-VALUE}).")
  double window;

  @Option(names = "--cycles", defaultValue = "3",
      description = "Pairs of windows, one without swaps and one with (default ${DEFAULT-VALUE}).")
  int cycles;

  @Option(names = "--swap-every-s", defaultValue = "5", description = "Seconds between publishes (default ${DEFAULT-VALUE}).")
  double every;

  @Option(names = "--poll-ms", defaultValue = "20", description = "Watcher poll interval (default ${DEFAULT-VALUE}).")
  long pollMillis;

  @Option(names = "--verification", defaultValue = "FULL",
      description = "FULL or SIZES_THEN_BACKGROUND (default ${DEFAULT-VALUE}).")
  Verification verification;

  @Option(names = "--pointer-only",
      description = "Write two versions before measuring; each swap only replaces CURRENT, alternating between them.")
  boolean pointerOnly;

  @Option(names = "--checksum-cpu-share", defaultValue = "1",
      description = "Share of one core the loader's checksumming may use, (0, 1] (default ${DEFAULT-VALUE}).")
  double checksumCpuShare;

  @Override
  public Integer call() throws Exception {
    SwapBenchConfig config = new SwapBenchConfig(root, queries, k, Params.parse(search), rate, threads, warmup,
        window, cycles, every, Duration.ofMillis(pollMillis), verification,
        pointerOnly, checksumCpuShare);
    SwapBenchmark.run(config, out());
    out().flush();
    return 0;
  }
}

package dev.quiver.cli;

import dev.quiver.tools.DemoHour;
import dev.quiver.engine.Params;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.StageLatencies;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver demo}: one hour of two-tower recall on this machine, with no input. Generates a
 * two-tower model and its catalog, builds and publishes snapshot v1 (item tower, HNSW index),
 * serves recall for simulated users on every core, then builds the next hour's model and index,
 * publishes v2 and swaps it in under load. Prints recall against exact search, the latency of
 * each stage before, during the build and across the swap, and the swap itself.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Play one hour of two-tower recall: build, publish, serve, swap under load.")
final class DemoCommand extends QuiverCommand {
  @Option(names = "--items", defaultValue = "100000", description = "Catalog size (default ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--k", defaultValue = "100", description = "Items per recall (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--serve-s", defaultValue = "6", description = "Seconds of steady serving before the next hour (default ${DEFAULT-VALUE}).")
  double serveSeconds;

  @Option(names = "--build", defaultValue = "M=16,efConstruction=100", description = "HNSW build parameters (default ${DEFAULT-VALUE}).")
  String build;

  @Option(names = "--search", defaultValue = "efSearch=200", description = "HNSW search parameters of each head (default ${DEFAULT-VALUE}).")
  String search;

  @Option(names = "--check-users", defaultValue = "200", description = "Users whose answers are checked against exact search (default ${DEFAULT-VALUE}).")
  int checkUsers;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-progress", description = "No progress bars.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    if (items <= 0 || k <= 0 || checkUsers <= 0) {
      throw new IllegalArgumentException("--items, --k and --check-users must be positive: " + items + ", " + k + ", " + checkUsers);
    }
    Path work = Files.createTempDirectory("quiver-demo");
    try {
      play(work);
    } finally {
      deleteTree(work);
    }
    return 0;
  }

  private void play(Path work) throws Exception {
    int threads = cores();
    Params buildParams = Params.parse(build);
    Params searchParams = Params.parse(search);
    DemoHour hour = new DemoHour(work, items, seed, threads, buildParams, !noProgress);
    out().printf(Locale.ROOT, "Quiver demo: one hour of two-tower recall, %,d items, %d cores%n%n", items, threads);
    try (DemoHour.Version v1 = hour.build(1, 0)) {
      printBuilt(v1);
      SwapLog swaps = new SwapLog();
      try (SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(hour.root(),
          TowerModelLoader.snapshots(200), swaps, Duration.ofSeconds(10))) {
        snapshots.start();
        snapshots.watch(Duration.ofMillis(100));
        RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE);
        RecallRequest check = request(service, searchParams);
        out().printf(Locale.ROOT, "  serving v1; recall@%d of the served answers against exact search (%d users): %.4f%n%n",
            k, checkUsers, hour.recallAgainstExact(service, v1, check, checkUsers));
        serveThroughNextHour(hour, service, snapshots, swaps, threads, searchParams);
      }
    }
  }

  private void serveThroughNextHour(DemoHour hour, RecallService service, SnapshotManager<TowerModel> snapshots,
                                    SwapLog swaps, int threads, Params searchParams) throws Exception {
    List<Window> windows = new ArrayList<>();
    try (DemoTraffic traffic = new DemoTraffic(service, threads, k, searchParams, seed)) {
      traffic.start();
      Thread.sleep(1000); // warm-up: not measured
      service.latencies().reset();
      windows.add(window("steady, v1", service, traffic, () -> Thread.sleep((long) (serveSeconds * 1000))));
      DemoHour.Version[] v2 = new DemoHour.Version[1];
      windows.add(window("building v2 (shares the cores)", service, traffic, () -> v2[0] = hour.build(2, 0.1)));
      long published = System.nanoTime();
      windows.add(window("swap to v2, +1 s", service, traffic, () -> {
        while (snapshots.version() != 2) {
          Thread.sleep(5);
        }
        swaps.servingAt.set(System.nanoTime());
        Thread.sleep(1000);
      }));
      try (DemoHour.Version built = v2[0]) {
        printBuilt(built);
        printWindows(windows);
        printSwap(swaps, published, traffic);
        out().printf(Locale.ROOT, "  recall@%d of v2's answers against exact search (%d users): %.4f%n", k, checkUsers,
            hour.recallAgainstExact(service, built, request(service, searchParams), checkUsers));
      }
    }
  }

  private RecallRequest request(RecallService service, Params searchParams) {
    return service.newRequest().k(k).searchParams(searchParams);
  }

  private void printBuilt(DemoHour.Version v) {
    out().printf(Locale.ROOT, "v%d  model %s...  item tower %.1f s  HNSW %s %.1f s  publish %.2f s  index %.1f MiB%n",
        v.version(), v.fingerprint().substring(0, 12), v.embedSeconds(), build, v.indexSeconds(), v.publishSeconds(),
        v.indexBytes() / 1048576.0);
  }

  /** Stage latencies and throughput over one phase of serving. */
  private record Window(String name, Map<String, Histogram> stages, long requests, double seconds) {}

  @FunctionalInterface
  private interface Phase {
    void run() throws Exception;
  }

  private static Window window(String name, RecallService service, DemoTraffic traffic, Phase phase) throws Exception {
    long r0 = traffic.requests();
    long t0 = System.nanoTime();
    phase.run();
    Map<String, Histogram> stages = service.latencies().snapshot();
    service.latencies().reset();
    return new Window(name, stages, traffic.requests() - r0, (System.nanoTime() - t0) / 1e9);
  }

  private void printWindows(List<Window> windows) {
    out().printf(Locale.ROOT, "%nlatency per stage, microseconds p50 / p99 (simulated users on every core)%n");
    out().printf(Locale.ROOT, "%-16s", "stage");
    for (Window w : windows) {
      out().printf(Locale.ROOT, " %32s", w.name());
    }
    out().println();
    for (String stage : windows.get(0).stages().keySet()) {
      out().printf(Locale.ROOT, "%-16s", stage);
      for (Window w : windows) {
        Histogram h = w.stages().get(stage);
        out().printf(Locale.ROOT, " %32s", h == null || h.getTotalCount() == 0 ? "-"
            : String.format(Locale.ROOT, "%.0f / %.0f", h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3));
      }
      out().println();
    }
    out().printf(Locale.ROOT, "%-16s", "requests/s");
    for (Window w : windows) {
      out().printf(Locale.ROOT, " %32s", String.format(Locale.ROOT, "%,.0f", w.requests() / w.seconds()));
    }
    out().printf(Locale.ROOT, "%n%n");
  }

  private void printSwap(SwapLog swaps, long published, DemoTraffic traffic) {
    out().printf(Locale.ROOT, "swap v%d -> v%d: load, verify and warm-up %.0f ms; published to serving %.0f ms; "
            + "v1 freed after its last lease: %s%n", swaps.from.get(), swaps.to.get(), swaps.loadNanos.get() / 1e6,
        (swaps.servingAt.get() - published) / 1e6, swaps.freed.get() == 1 ? "yes" : "not yet");
    out().printf(Locale.ROOT, "requests served %,d, failed %d%s%n", traffic.requests(), traffic.failures(),
        traffic.firstFailure() == null ? "" : " (first: " + traffic.firstFailure() + ")");
  }

  /** What the snapshot manager reported, read by the demo's thread. */
  private static final class SwapLog implements SnapshotListener {
    final AtomicLong from = new AtomicLong(-1);
    final AtomicLong to = new AtomicLong(-1);
    final AtomicLong loadNanos = new AtomicLong();
    final AtomicLong servingAt = new AtomicLong();
    final AtomicLong freed = new AtomicLong(-1);

    @Override
    public void swapped(long previousVersion, long version, long nanos) {
      from.set(previousVersion);
      to.set(version);
      loadNanos.set(nanos);
    }

    @Override
    public void freed(long version) {
      freed.set(version);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

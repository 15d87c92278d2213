package dev.quiver.bench.fresh;

import dev.quiver.engine.Params;
import dev.quiver.serving.recall.FreshConfig;
import dev.quiver.serving.recall.FreshItems;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tools.DemoHour;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * The freshness benchmark: recall traffic on every core, first alone, then while items are
 * added at a fixed rate and some taken down, then while the next version is built and swapped
 * in, then after the swap. See {@code quiver freshness-bench --help}.
 */
public final class FreshnessBench {
  /** The options of one run. */
  public record Config(Path root, int items, Params build, Params search, int k, int threads, double rate,
                       int batch, int adders, int removeEvery, double warmupSeconds, double windowSeconds, int users,
                       boolean swap, double drift, long seed) {}

  private final Config c;
  private final PrintWriter out;
  private final Path work;

  private FreshnessBench(Config config, PrintWriter out) {
    this.c = config;
    this.out = out;
    Path abs = config.root().toAbsolutePath();
    this.work = abs.resolveSibling(abs.getFileName() + "-work");
  }

  public static void run(Config config, PrintWriter out) throws Exception {
    new FreshnessBench(config, out).run();
  }

  private void run() throws Exception {
    Files.createDirectories(work);
    DemoHour hour = new DemoHour(work, c.items(), c.seed(), c.threads(), c.build(), true, c.root());
    if (!Files.exists(c.root().resolve(SnapshotLayout.CURRENT))) {
      try (DemoHour.Version v = hour.build(1, 0)) {
        out.printf(Locale.ROOT, "built v1: %,d items, item tower %.1f s, HNSW %.1f s%n", c.items(), v.embedSeconds(),
            v.indexSeconds());
      }
    }
    Path log = work.resolve("fresh-items.log");
    Files.deleteIfExists(log);
    try (SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(c.root(), TowerModelLoader.snapshots(100),
        new SnapshotListener() { }, Duration.ofSeconds(30))) {
      snapshots.start();
      try (FreshItems fresh = FreshItems.open(snapshots, CpuTowerBackend.INSTANCE, FreshConfig.defaults(log))) {
        measure(snapshots, hour, fresh, new RecallService(snapshots, CpuTowerBackend.INSTANCE, fresh));
      }
    }
  }

  private void measure(SnapshotManager<TowerModel> snapshots, DemoHour hour, FreshItems fresh, RecallService service)
      throws Exception {
    int catalogSize = snapshots.acquire().snapshot().ids().size();
    long[] probeUsers = new long[256];
    for (int i = 0; i < probeUsers.length; i++) {
      probeUsers[i] = 5_000_000_000L + i;
    }
    out.printf(Locale.ROOT, "serving v%d: %,d items; traffic on %d threads, k=%d, %s; adds %.0f/s in batches of %d "
        + "from %d threads, two takedowns every %d batches of each%n", snapshots.version(), catalogSize, c.threads(),
        c.k(), c.search(), c.rate(), c.batch(), c.adders(), c.removeEvery());
    out.printf(Locale.ROOT, "%-22s %9s %9s %9s %9s %7s %9s %9s %9s %7s%n", "phase", "requests", "p50 ms", "p99 ms",
        "max ms", "failed", "adds/s", "vis p50", "vis p99", "unseen");
    try (Traffic traffic = new Traffic(service, c.k(), c.search(), c.seed(), c.threads());
          Adder adder = new Adder(service, c.seed(), catalogSize, c.rate(), c.batch(), c.adders(), c.removeEvery(),
             probeUsers, c.k())) {
      traffic.start();
      sleep(c.warmupSeconds());
      traffic.window();
      sleep(c.windowSeconds());
      Traffic.Window quiet = traffic.window();
      row("no adds", quiet, null, c.windowSeconds());
      adder.start();
      sleep(c.windowSeconds());
      Traffic.Window adding = traffic.window();
      row("adds", adding, adder.window(), c.windowSeconds());
      out.printf(Locale.ROOT, "recall p99 with adds / without: %.2f%n",
          p99(adding.latency()) / p99(quiet.latency()));
      freshRecall(snapshots, service, adder, "after the adds");
      if (c.swap()) {
        swap(snapshots, hour, service, traffic, adder, fresh);
      }
      check(traffic, adder);
    }
  }

  private void swap(SnapshotManager<TowerModel> snapshots, DemoHour hour, RecallService service, Traffic traffic,
                    Adder adder, FreshItems fresh) throws Exception {
    adder.resume();
    long t0 = System.nanoTime();
    java.time.Instant cutoff;
    try (var lease = snapshots.acquire()) {
      cutoff = lease.snapshot().manifest().itemCutoffInstant();
    }
    CompletableFuture<Double> build = CompletableFuture.supplyAsync(() -> {
      // The generated catalog is the one v1 read: v2 holds no fresh item, all are carried.
      try (DemoHour.Version v = hour.build(snapshots.version() + 1, c.drift(), cutoff)) {
        if (!snapshots.refresh()) {
          throw new IllegalStateException("v2 was not swapped in: " + snapshots.lastFailure());
        }
        return DemoHour.seconds(System.nanoTime() - t0);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    double seconds = build.get();
    row(String.format(Locale.ROOT, "build+swap (%.0f s)", seconds), traffic.window(), adder.window(), seconds);
    sleep(c.windowSeconds());
    row("after the swap", traffic.window(), adder.window(), c.windowSeconds());
    freshRecall(snapshots, service, adder, "after the swap to v" + snapshots.version());
    adder.pause();
    int expected;
    synchronized (adder) {
      expected = adder.fresh.size();
    }
    out.printf(Locale.ROOT, "fresh items live in the delta of v%d: %,d of %,d added and not taken down%n",
        snapshots.version(), fresh.size(), expected);
    adder.resume();
  }

  private void freshRecall(SnapshotManager<TowerModel> snapshots, RecallService service, Adder adder, String when)
      throws IOException {
    adder.pause();
    try {
      RecallRequest request = service.newRequest().k(c.k()).searchParams(c.search());
      double[] r;
      synchronized (adder) {
        r = FreshRecall.measure(snapshots, service, new HashMap<>(adder.fresh), new HashSet<>(adder.removed),
            c.seed(), c.users(), c.k(), request);
      }
      out.printf(Locale.ROOT, "fresh-item recall@%d %s (v%.0f, %d users, %.0f fresh items in the exact top %d): %.4f%n",
          c.k(), when, r[1], c.users(), r[2], c.k(), r[0]);
    } finally {
      adder.resume();
    }
  }

  private void row(String phase, Traffic.Window t, Adder.Window a, double seconds) {
    Histogram h = t.latency();
    out.printf(Locale.ROOT, "%-22s %9d %9.2f %9.2f %9.2f %7d", phase, t.requests(), h.getValueAtPercentile(50) / 1e6,
        p99(h) / 1e6, h.getMaxValue() / 1e6, t.failures());
    if (a == null) {
      out.printf("%n");
    } else {
      out.printf(Locale.ROOT, " %9.0f %9.2f %9.2f %7d%n", a.added() / seconds,
          a.visible().getValueAtPercentile(50) / 1e6, a.visible().getValueAtPercentile(99) / 1e6, a.unseen());
    }
    out.flush();
  }

  private void check(Traffic traffic, Adder adder) {
    if (traffic.firstFailure.get() != null) {
      out.println("first failed request: " + traffic.firstFailure.get());
    }
    if (adder.failure.get() != null) {
      out.println("adds stopped: " + adder.failure.get());
    }
  }

  private static double p99(Histogram h) {
    return h.getValueAtPercentile(99);
  }

  private static void sleep(double seconds) throws InterruptedException {
    Thread.sleep((long) (seconds * 1000));
  }
}

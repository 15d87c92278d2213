package dev.quiver.bench.cli;

import dev.quiver.tools.DemoHour;
import dev.quiver.cli.QuiverCommand;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.engine.Params;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.StageLatencies;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver recall-bench}: end-to-end recall latency, features to merged items, on one thread
 * at batch 1 and in batches, per stage. Builds a snapshot of the generated two-tower model
 * (two user heads) under {@code --root} unless one is there already, so that a second run
 * measures without rebuilding.
 */
@Command(name = "recall-bench", mixinStandardHelpOptions = true,
    description = "End-to-end recall latency per stage (tower, search per head, merge) at batch 1 and in batches.")
public final class RecallBenchCommand extends QuiverCommand {
  @Option(names = "--root", required = true, description = "Snapshot root: reused when it has a snapshot, else built.")
  Path root;

  @Option(names = "--items", defaultValue = "1000000", description = "Catalog size when building (default ${DEFAULT-VALUE}).")
  int items;

  @Option(names = "--build", defaultValue = "M=16,efConstruction=100", description = "HNSW build parameters (default ${DEFAULT-VALUE}).")
  String build;

  @Option(names = "--search", defaultValue = "efSearch=200", description = "Search parameters of each head (default ${DEFAULT-VALUE}).")
  String search;

  @Option(names = "--k", defaultValue = "100", description = "Items per recall and per head (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--requests", defaultValue = "5000", description = "Measured requests at batch 1 (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--batch", defaultValue = "64", description = "Users per batched call (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--warmup-s", defaultValue = "10", description = "Warm-up seconds before each measurement (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(root.resolve(SnapshotLayout.CURRENT))) {
      Path work = Files.createDirectories(root.resolveSibling(root.getFileName() + "-work"));
      DemoHour hour = new DemoHour(work, items, seed, cores(), Params.parse(build), true, root);
      try (DemoHour.Version v = hour.build(1, 0)) {
        out().printf(Locale.ROOT, "built %s: %,d items, item tower %.1f s, HNSW %.1f s, publish %.1f s%n", root,
            items, v.embedSeconds(), v.indexSeconds(), v.publishSeconds());
      }
    }
    try (SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(root, TowerModelLoader.snapshots(100),
        new SnapshotListener() { }, Duration.ofSeconds(10))) {
      long t0 = System.nanoTime();
      snapshots.start();
      out().printf(Locale.ROOT, "snapshot v%d loaded, verified and warmed in %.2f s%n", snapshots.version(),
          (System.nanoTime() - t0) / 1e9);
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE);
      single(service);
      batched(service);
    }
    return 0;
  }

  private RecallRequest request(RecallService service) {
    return service.newRequest().k(k).searchParams(Params.parse(search));
  }

  private void single(RecallService service) {
    FeatureRow user = service.newUserRow();
    RecallRequest request = request(service);
    RecallResults out = new RecallResults(k);
    long u = 0;
    for (long end = System.nanoTime() + (long) (warmupSeconds * 1e9); System.nanoTime() < end; u++) {
      SyntheticTwoTower.user(seed, u, user);
      service.recall(user, request, out);
    }
    service.latencies().reset();
    for (int i = 0; i < requests; i++, u++) {
      SyntheticTwoTower.user(seed, u, user);
      service.recall(user, request, out);
    }
    print("batch 1, one thread, " + requests + " requests", service.latencies().snapshot(), 1);
  }

  private void batched(RecallService service) {
    FeatureRow[] users = new FeatureRow[batch];
    RecallRequest[] req = new RecallRequest[batch];
    RecallResults[] out = new RecallResults[batch];
    for (int i = 0; i < batch; i++) {
      users[i] = service.newUserRow();
      req[i] = request(service);
      out[i] = new RecallResults(k);
    }
    long u = 1L << 40;
    int calls = Math.max(1, requests / batch);
    for (long end = System.nanoTime() + (long) (warmupSeconds * 1e9); System.nanoTime() < end; ) {
      u = fill(users, u);
      service.recallBatch(users, req, batch, out, cores());
    }
    service.batchLatencies().reset();
    for (int c = 0; c < calls; c++) {
      u = fill(users, u);
      service.recallBatch(users, req, batch, out, cores());
    }
    print("batch " + batch + ", searches on " + cores() + " threads, " + calls + " calls", service.batchLatencies().snapshot(), batch);
  }

  private long fill(FeatureRow[] users, long u) {
    for (FeatureRow row : users) {
      SyntheticTwoTower.user(seed, u++, row);
    }
    return u;
  }

  private void print(String title, Map<String, Histogram> stages, int usersPerCall) {
    Histogram total = stages.get(StageLatencies.TOTAL);
    double meanTotal = total.getMean();
    out().printf(Locale.ROOT, "%n%s (microseconds per call)%n%-16s %9s %9s %9s %7s%n", title, "stage", "p50", "p99", "mean",
        "share");
    for (Map.Entry<String, Histogram> e : stages.entrySet()) {
      Histogram h = e.getValue();
      out().printf(Locale.ROOT, "%-16s %9.1f %9.1f %9.1f %6.1f%%%n", e.getKey(), h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(99) / 1e3, h.getMean() / 1e3, 100 * h.getMean() / meanTotal);
    }
    out().printf(Locale.ROOT, "users per second: %,.0f%n", usersPerCall / (meanTotal / 1e9));
  }
}

package dev.quiver.bench.snapshot;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.PublishStep;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotLoader;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.serving.snapshot.SnapshotSource;
import dev.quiver.serving.snapshot.SnapshotWriter;
import dev.quiver.serving.snapshot.Verification;
import dev.quiver.serving.snapshot.Warmup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Queries at a steady rate while new snapshot versions are published and swapped in: the latency
 * with and without swaps, failed queries, the time from the pointer swap to serving, and the
 * load time of a mapped snapshot.
 *
 * <p>Each query thread runs a fixed schedule (rate / threads per second) and measures from the
 * query's scheduled start, so a stall also counts against the queries queued behind it
 * (no coordinated omission). Every query takes a lease, searches and releases it. New versions
 * republish the current version's index (hard-linked from a staging copy, as a freshly built file
 * would sit in the page cache), its model and its id table through {@link SnapshotWriter}: ids
 * written, every file checksummed and forced, renamed, pointer replaced; the manager's watcher
 * loads each one with the configured verification and a warm-up, swaps it in, and frees the old
 * one after its last lease.
 */
public final class SwapBenchmark {
  static final int WARMUP = 0;
  static final int BASELINE = 1;
  static final int SWAPS = 2;
  static final int DONE = 3;
  private static final int RETAIN = 2;

  private SwapBenchmark() {}

  public static void run(SwapBenchConfig c, PrintWriter out) throws Exception {
    float[][] queries = readQueries(c.queries());
    Path dir = c.root().resolve(SnapshotLayout.dirName(SnapshotLayout.current(c.root())));
    Manifest manifest = Manifest.read(dir.resolve(SnapshotLayout.MANIFEST));
    SnapshotLoader<MappedModel> loader = SnapshotLoader.of(MappedModel.LOADER)
        .warmup(Warmup.searches(200, c.k(), c.search()));

    Path staging = Files.createTempDirectory(c.root().toAbsolutePath().getParent(), "swap-bench-");
    SwapEvents events = new SwapEvents();
    try (SnapshotManager<MappedModel> manager = new SnapshotManager<>(c.root(),
        loader.verification(c.verification()).checksumCpuShare(c.checksumCpuShare()), events,
        Duration.ofSeconds(60))) {
      manager.start();
      SnapshotSource source = stage(manager, dir, staging, manifest);
      if (c.pointerOnly()) {
        // Two versions on disk to alternate between; retention keeps exactly these two.
        writer(c, events).publish(source);
      }
      AtomicInteger phase = new AtomicInteger(WARMUP);
      List<QueryThread> threads = new ArrayList<>();
      for (int t = 0; t < c.threads(); t++) {
        threads.add(new QueryThread(manager, queries, t, c, phase));
      }
      threads.forEach(Thread::start);
      manager.watch(c.poll());
      sleep(c.warmupSeconds());
      events.measuring = true;
      for (int cycle = 0; cycle < c.cycles(); cycle++) {
        phase.set(BASELINE);
        sleep(c.windowSeconds());
        phase.set(SWAPS);
        publishDuringWindow(c, source, events, manager);
      }
      phase.set(DONE);
      for (QueryThread t : threads) {
        t.join();
      }
      report(c, threads, events, out);
    } finally {
      deleteTree(staging);
    }
    // With the manager closed, so that only the measured snapshot is mapped.
    Path last = c.root().resolve(SnapshotLayout.dirName(SnapshotLayout.current(c.root())));
    LoadTimes.measure(loader, last, manifest, out);
  }

  private static float[][] readQueries(Path file) throws IOException {
    try (VectorStore store = VectorFiles.readFloats(file)) {
      float[][] q = new float[store.size()][store.dimension()];
      for (int i = 0; i < q.length; i++) {
        store.get(i, q[i]);
      }
      return q;
    }
  }

  /** The current version's index (linked) and model (copied) outside the root, which retention prunes. */
  private static SnapshotSource stage(SnapshotManager<MappedModel> manager, Path dir, Path staging, Manifest m)
      throws IOException {
    Path index = staging.resolve(SnapshotLayout.INDEX);
    try {
      Files.createLink(index, dir.resolve(SnapshotLayout.INDEX));
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(dir.resolve(SnapshotLayout.INDEX), index);
    }
    Path model = staging.resolve(SnapshotLayout.MODEL);
    try (var files = Files.walk(dir.resolve(SnapshotLayout.MODEL))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path target = model.resolve(dir.resolve(SnapshotLayout.MODEL).relativize(f).toString());
        Files.createDirectories(target.getParent());
        Files.copy(f, target);
      }
    }
    long[] ids = new long[m.itemCount()];
    try (Lease<MappedModel> lease = manager.acquire()) {
      IdMap map = lease.snapshot().ids();
      for (int i = 0; i < ids.length; i++) {
        ids[i] = map.id(i);
      }
    }
    return SnapshotSource.ofFile(model, index, dev.quiver.engine.Params.parse(paramsOf(m))).linked().withIds(ids);
  }

  private static String paramsOf(Manifest m) {
    StringBuilder sb = new StringBuilder();
    m.index().params().forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
    return sb.toString();
  }

  private static SnapshotWriter writer(SwapBenchConfig c, SwapEvents events) {
    return new SnapshotWriter(c.root(), RETAIN, step -> {
      if (step == PublishStep.SWAP_POINTER) {
        events.pointerSwappedAt = System.nanoTime();
      }
    });
  }

  private static void publishDuringWindow(SwapBenchConfig c, SnapshotSource source, SwapEvents events,
                                          SnapshotManager<MappedModel> manager) throws Exception {
    SnapshotWriter writer = writer(c, events);
    long start = System.nanoTime();
    long every = (long) (c.swapEverySeconds() * 1e9);
    long end = start + (long) (c.windowSeconds() * 1e9);
    for (long slot = start; slot < end; slot += every) {
      sleepUntil(slot);
      long t0 = System.nanoTime();
      long version;
      if (c.pointerOnly()) {
        version = SnapshotLayout.previous(c.root(), manager.version()) > 0
            ? SnapshotLayout.previous(c.root(), manager.version()) : SnapshotLayout.versions(c.root()).getLast();
        events.pointerSwappedAt = System.nanoTime();
        SnapshotWriter.point(c.root(), version);
      } else {
        version = writer.publish(source).version();
      }
      events.publishNanos.add(System.nanoTime() - t0);
      awaitServing(manager, version);
    }
    sleepUntil(end);
  }

  private static void awaitServing(SnapshotManager<MappedModel> manager, long version) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (manager.version() != version) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("version " + version + " not served after 60 s; last failure: "
            + manager.lastFailure());
      }
      Thread.sleep(1);
    }
  }

  private static void report(SwapBenchConfig c, List<QueryThread> threads, SwapEvents events, PrintWriter out) {
    String how = c.pointerOnly() ? "replace CURRENT only (versions written beforehand)"
        : "write a whole version in this process, then replace CURRENT";
    out.printf("queries: %.0f/s on %d threads, k=%d, %s, verification %s (checksums on %.0f%% of a core), swaps %s%n",
        c.rate(), c.threads(), c.k(), c.search(), c.verification(), 100 * c.checksumCpuShare(), how);
    out.println("| phase | measured from | seconds | queries | failed | p50 us | p99 us | p99.9 us | max us |");
    out.println("|---|---|---|---|---|---|---|---|---|");
    double seconds = c.windowSeconds() * c.cycles();
    String swapping = "swap every " + c.swapEverySeconds() + " s";
    for (boolean fromSchedule : new boolean[] {true, false}) {
      String from = fromSchedule ? "schedule" : "query start";
      Histogram baseline = merged(threads, BASELINE, fromSchedule);
      Histogram swaps = merged(threads, SWAPS, fromSchedule);
      row(out, "no swaps", from, seconds, baseline, failures(threads, BASELINE));
      row(out, swapping, from, seconds, swaps, failures(threads, SWAPS));
    }
    for (boolean fromSchedule : new boolean[] {true, false}) {
      double ratio = (double) merged(threads, SWAPS, fromSchedule).getValueAtPercentile(99)
          / merged(threads, BASELINE, fromSchedule).getValueAtPercentile(99);
      out.printf("p99 with swaps / without, from %s: %.2fx (goal <= 1.5x)%n",
          fromSchedule ? "schedule" : "query start", ratio);
    }
    out.printf("swaps: %d; publish: %s; pointer swap to serving: %s; "
        + "watcher's load (map, %s, warm-up): %s%n", events.servingNanos.size(), stats(events.publishNanos),
        stats(events.servingNanos), c.verification(), stats(events.loadNanos));
    for (QueryThread t : threads) {
      if (t.firstFailure != null) {
        out.println("first failure: " + t.firstFailure);
      }
    }
  }

  private static void row(PrintWriter out, String name, String from, double seconds, Histogram h, long failed) {
    out.printf("| %s | %s | %.0f | %,d | %d | %.0f | %.0f | %.0f | %.0f |%n", name, from, seconds, h.getTotalCount(),
        failed,
        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
        h.getMaxValue() / 1e3);
  }

  private static String stats(List<Long> nanos) {
    if (nanos.isEmpty()) {
      return "none";
    }
    long max = 0;
    double sum = 0;
    for (long n : nanos) {
      max = Math.max(max, n);
      sum += n;
    }
    return String.format("mean %.0f ms, max %.0f ms", sum / nanos.size() / 1e6, max / 1e6);
  }

  private static Histogram merged(List<QueryThread> threads, int phase, boolean fromSchedule) {
    Histogram h = new Histogram(QueryThread.MAX_NANOS, 3);
    for (QueryThread t : threads) {
      h.add(fromSchedule ? t.latency[phase] : t.service[phase]);
    }
    return h;
  }

  private static long failures(List<QueryThread> threads, int phase) {
    long n = 0;
    for (QueryThread t : threads) {
      n += t.failures[phase];
    }
    return n;
  }

  static void sleep(double seconds) throws InterruptedException {
    sleepUntil(System.nanoTime() + (long) (seconds * 1e9));
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** What the manager reports during the swap phase; written by its threads, read at the end. */
  private static final class SwapEvents implements SnapshotListener {
    final List<Long> publishNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> servingNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> loadNanos = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile long pointerSwappedAt;
    volatile boolean measuring;

    @Override
    public void swapped(long previous, long version, long load) {
      if (measuring) {
        servingNanos.add(System.nanoTime() - pointerSwappedAt);
        loadNanos.add(load);
      }
    }

    @Override
    public void failed(long version, Throwable cause) {
      System.err.println("snapshot " + version + " failed: " + cause);
    }
  }

  /** Loads the current version once per verification setting, outside the measured phases. */
  private static final class LoadTimes {
    static void measure(SnapshotLoader<MappedModel> loader, Path dir, Manifest m, PrintWriter out) throws Exception {
      for (Verification v : Verification.values()) {
        long t0 = System.nanoTime();
        Snapshot<MappedModel> s = loader.verification(v).load(dir);
        long loaded = System.nanoTime() - t0;
        s.verification().get();
        long verified = System.nanoTime() - t0;
        s.retire();
        s.freed().get();
        out.printf("load of %s (%s, %,d x %d, %.0f MiB), warm JVM: %s %.0f ms to serving%s%n", dir.getFileName(),
            m.index().kind(), m.itemCount(), m.index().dimension(), bytes(m) / 1048576.0, v, loaded / 1e6,
            v == Verification.FULL ? "" : String.format(", checksums done after %.0f ms", verified / 1e6));
      }
    }

    private static long bytes(Manifest m) {
      long total = 0;
      for (Manifest.FileEntry f : m.files()) {
        total += f.size();
      }
      return total;
    }
  }
}

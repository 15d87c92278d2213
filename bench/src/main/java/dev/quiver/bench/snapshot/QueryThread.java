package dev.quiver.bench.snapshot;

import dev.quiver.engine.SearchResults;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.SnapshotManager;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One query thread of the swap benchmark: a fixed schedule, a lease per query, latency from the
 * scheduled start into the histogram of the phase the query started in. Per query it allocates
 * only the lease (one small object).
 */
final class QueryThread extends Thread {
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** From the scheduled start: includes waiting behind earlier queries. */
  final Histogram[] latency = new Histogram[SwapBenchmark.DONE];
  /** From the actual start: the lease, the search and the release alone. */
  final Histogram[] service = new Histogram[SwapBenchmark.DONE];
  final long[] failures = new long[SwapBenchmark.DONE];
  volatile Throwable firstFailure;
  private final SnapshotManager<MappedModel> manager;
  private final float[][] queries;
  private final SwapBenchConfig config;
  private final AtomicInteger phase;
  private final long interval;
  private int next;

  QueryThread(SnapshotManager<MappedModel> manager, float[][] queries, int index, SwapBenchConfig config,
              AtomicInteger phase) {
    super("swap-bench-query-" + index);
    this.manager = manager;
    this.queries = queries;
    this.config = config;
    this.phase = phase;
    this.interval = (long) (1e9 * config.threads() / config.rate());
    this.next = index * queries.length / config.threads();
    for (int p = 0; p < latency.length; p++) {
      latency[p] = new Histogram(MAX_NANOS, 3);
      service[p] = new Histogram(MAX_NANOS, 3);
    }
  }

  @Override
  public void run() {
    SearchResults out = new SearchResults(config.k());
    long due = System.nanoTime();
    for (int p = phase.get(); p != SwapBenchmark.DONE; p = phase.get()) {
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        continue;
      }
      long start = System.nanoTime();
      query(p, out);
      long end = System.nanoTime();
      latency[p].recordValue(Math.min(end - due, MAX_NANOS));
      service[p].recordValue(Math.min(end - start, MAX_NANOS));
      due += interval;
    }
  }

  private void query(int p, SearchResults out) {
    float[] q = queries[next];
    next = next + 1 == queries.length ? 0 : next + 1;
    try (Lease<MappedModel> lease = manager.acquire()) {
      lease.search(q, config.k(), null, config.search(), out);
      if (out.count() != config.k()) {
        failures[p]++;
      }
    } catch (RuntimeException e) {
      failures[p]++;
      if (firstFailure == null) {
        firstFailure = e;
      }
    }
  }
}

package dev.quiver.tools.sweep;

import org.HdrHistogram.Histogram;

/**
 * One timed pass over the queries: the ids found (one row of k per query, -1 where fewer came
 * back), the per-query latencies in nanoseconds, and the wall time of the whole pass.
 */
public record Measurement(long[][] ids, Histogram latenciesNanos, double wallSeconds) {

  /** Queries per second over the whole pass (all threads together). */
  public double qps() {
    return ids.length / wallSeconds;
  }

  public double p50Micros() {
    return latenciesNanos.getValueAtPercentile(50) / 1e3;
  }

  public double p99Micros() {
    return latenciesNanos.getValueAtPercentile(99) / 1e3;
  }

  /** An empty histogram of nanoseconds that resizes to any latency, at 3 significant digits. */
  public static Histogram newHistogram() {
    return new Histogram(3);
  }
}

package dev.quiver.tools.tune;

import dev.quiver.engine.Metric;
import java.nio.file.Path;
import java.util.List;

/**
 * What the tuner looks for and within which budgets. Immutable.
 *
 * @param k neighbours per query
 * @param targetRecall the recall@k to reach, in (0, 1]
 * @param maxP99Micros the largest p99 latency allowed per query (microseconds); 0 for no limit
 * @param maxIndexBytes the largest index allowed; 0 for no limit
 * @param maxBuildSeconds the longest build allowed; 0 for no limit
 * @param kinds the index kinds to try (ivf-flat, ivf-sq8, ivf-pq, hnsw)
 * @param sampleFraction the share of the base the first round builds on; 1 skips that round
 * @param survivors how many configurations of the first round go on to the full base
 * @param threads search threads (1: latencies of one query per call on one thread)
 * @param buildThreads build threads
 * @param warmupSeconds searching before each index's first measurement, for the JIT
 * @param seed of the subsample and of the split of the queries
 * @param workDir where the query sample of query-aware builds is written ({@code learn.fvecs})
 * @param learn the query sample of query-aware builds (.fvecs); null for a third of the queries
 */
public record TuneConfig(Metric metric, int k, double targetRecall, double maxP99Micros, long maxIndexBytes,
                         double maxBuildSeconds, List<String> kinds, double sampleFraction, int survivors,
                         int threads, int buildThreads, double warmupSeconds, long seed, Path workDir,
                         Path learn) {
  public static final List<String> ALL_KINDS = List.of("ivf-flat", "ivf-sq8", "ivf-pq", "hnsw");

  public TuneConfig {
    if (k < 1) {
      throw new IllegalArgumentException("--k " + k + " must be at least 1");
    }
    if (!(targetRecall > 0 && targetRecall <= 1)) {
      throw new IllegalArgumentException("--target-recall " + targetRecall + " must be in (0, 1]");
    }
    if (!(maxP99Micros >= 0) || maxIndexBytes < 0 || !(maxBuildSeconds >= 0)) {
      throw new IllegalArgumentException("budgets must be >= 0 (0: no limit), got p99 " + maxP99Micros + " us, "
          + maxIndexBytes + " bytes, build " + maxBuildSeconds + " s");
    }
    if (!(sampleFraction > 0 && sampleFraction <= 1)) {
      throw new IllegalArgumentException("--sample " + sampleFraction + " must be in (0, 1]");
    }
    if (survivors < 1 || threads < 1 || buildThreads < 1) {
      throw new IllegalArgumentException("survivors, threads and build threads must be at least 1, got "
          + survivors + ", " + threads + ", " + buildThreads);
    }
    kinds = kinds == null || kinds.isEmpty() ? ALL_KINDS : List.copyOf(kinds);
  }

  /** Whether query-aware builds are tried and need a third of the queries as their sample. */
  boolean learnsFromQueries() {
    return learn == null && kinds.contains("hnsw");
  }

  /** Whether a measured point keeps within the latency budget. */
  boolean p99Fits(double p99Micros) {
    return maxP99Micros == 0 || p99Micros <= maxP99Micros;
  }

  boolean bytesFit(long bytes) {
    return maxIndexBytes == 0 || bytes <= maxIndexBytes;
  }

  boolean buildFits(double seconds) {
    return maxBuildSeconds == 0 || seconds <= maxBuildSeconds;
  }
}

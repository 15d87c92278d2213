package dev.quiver.bench.peers;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import java.nio.file.Path;
import java.util.List;

/**
 * What the sweep asks of a peer: the same files, k, query count, threading mode and settings as
 * its own run. {@code workDir} receives the peer's id and latency files.
 *
 * @param queries how many queries of the file to use (the first ones); always positive here
 * @param buildThreads threads the peer builds its index with
 * @param batch 0 for one query per call
 * @param filters after the unfiltered runs, every setting again with each of these filters (a
 *     peer that cannot filter runs none of them)
 */
public record PeerRequest(String kind, Metric metric, Path base, Path query, int k, int queries,
                          int threads, int buildThreads, int batch, Params build, List<Params> search,
                          double warmupSeconds, Path workDir, List<AllowedSet> filters) {

  /** A request without filters. */
  public PeerRequest(String kind, Metric metric, Path base, Path query, int k, int queries, int threads,
                     int buildThreads, int batch, Params build, List<Params> search, double warmupSeconds,
                     Path workDir) {
    this(kind, metric, base, query, k, queries, threads, buildThreads, batch, build, search, warmupSeconds, workDir,
        List.of());
  }

  public PeerRequest {
    filters = filters == null ? List.of() : List.copyOf(filters);
  }
}

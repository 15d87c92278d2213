package dev.quiver.bench.sweep;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import java.nio.file.Path;
import java.util.List;

/**
 * What one sweep run does: one index kind built once, searched at each of {@code search}, plus
 * the same files through each of {@code peers}. Immutable.
 *
 * @param kind index kind, as {@link dev.quiver.engine.IndexFormats#forKind} knows it
 * @param groundTruth exact neighbours (.ivecs), or null to compute and cache them
 * @param queries how many queries of the file to use; 0 for all
 * @param threads search threads
 * @param buildThreads build threads, for Quiver and every peer; 0 for {@code threads}
 * @param batch queries per {@code searchBatch} call; 0 sends one query per {@code search} call
 * @param search one entry per row of the results; at least one (possibly empty) entry
 * @param learn training queries (.fvecs) for query-aware builds, or null; the index gets it as the
 *     build parameter {@code learn=PATH}
 * @param warmupSeconds time spent searching before the first measured setting, for the JIT
 * @param progress whether to show progress bars for long steps
 * @param filterFractions for each, the whole sweep again with a filter that allows this share of
 *     the base rows (a seeded pseudo-random set, the same for every index); empty for none
 */
public record SweepConfig(String kind, Metric metric, Path base, Path query, Path groundTruth,
                          int k, int queries, int threads, int buildThreads, int batch, Params build,
                          List<Params> search, Path learn, List<String> peers, Path out,
                          double warmupSeconds, boolean progress, List<Double> filterFractions) {

  /** A sweep without filters. */
  public SweepConfig(String kind, Metric metric, Path base, Path query, Path groundTruth, int k, int queries,
                     int threads, int buildThreads, int batch, Params build, List<Params> search, Path learn,
                     List<String> peers, Path out, double warmupSeconds, boolean progress) {
    this(kind, metric, base, query, groundTruth, k, queries, threads, buildThreads, batch, build, search, learn, peers,
        out, warmupSeconds, progress, List.of());
  }

  public SweepConfig {
    if (kind == null || kind.isBlank()) {
      throw new IllegalArgumentException("index kind is missing");
    }
    positive("k", k);
    positive("threads", threads);
    if (buildThreads < 0) {
      throw new IllegalArgumentException("build threads must be >= 0 (0 = as many as search threads), got "
          + buildThreads);
    }
    buildThreads = buildThreads == 0 ? threads : buildThreads;
    if (queries < 0) {
      throw new IllegalArgumentException("queries must be >= 0 (0 = all), got " + queries);
    }
    if (batch < 0) {
      throw new IllegalArgumentException("batch must be >= 0 (0 = one query per call), got " + batch);
    }
    if (!(warmupSeconds >= 0) || Double.isInfinite(warmupSeconds)) {
      throw new IllegalArgumentException("warm-up seconds must be finite and >= 0, got " + warmupSeconds);
    }
    build = build == null ? Params.DEFAULT : build;
    search = search == null || search.isEmpty() ? List.of(Params.DEFAULT) : List.copyOf(search);
    peers = peers == null ? List.of() : List.copyOf(peers);
    filterFractions = filterFractions == null ? List.of() : List.copyOf(filterFractions);
    for (double f : filterFractions) {
      if (!(f > 0 && f <= 1)) {
        throw new IllegalArgumentException("filter fraction must be in (0, 1], got " + f);
      }
    }
  }

  /** What the index is built with: {@link #build}, plus {@code learn=PATH} when a learn set is given. */
  public Params indexBuildParams() {
    if (learn == null) {
      return build;
    }
    String path = learn.toString();
    if (path.contains(",")) {
      throw new IllegalArgumentException("learn file path " + path + " holds a comma, which build parameters cannot");
    }
    String given = build.toString();
    return Params.parse((given.isEmpty() ? "" : given + ",") + "learn=" + path);
  }

  /** Parses {@code "k=v,...;k=v,..."} into one {@link Params} per setting; blank gives one empty setting. */
  public static List<Params> parseSearch(String spec) {
    if (spec == null || spec.isBlank()) {
      return List.of(Params.DEFAULT);
    }
    return java.util.Arrays.stream(spec.split(";"))
        .filter(s -> !s.isBlank())
        .map(Params::parse)
        .toList();
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}

package dev.quiver.serving.recall;

import dev.quiver.engine.Params;
import java.nio.file.Path;

/**
 * How fresh items are kept between two builds.
 *
 * @param log the fresh-item log: every add and takedown, appended and forced per batch,
 *     replayed on restart (see {@link FreshItemLog})
 * @param maxItems entries one delta segment holds at most (a replaced item takes a new entry);
 *     adds beyond are refused until the next build is served
 * @param maxBytes memory one delta segment holds at most, vectors, ids and graph
 * @param flatLimit entries below which a delta is scanned exactly; past it a graph of kind
 *     {@code graphKind} is built in the background and searched from then on
 * @param graphKind the index kind of a large delta (one whose format provides
 *     {@link dev.quiver.engine.IndexFormat#newMutable})
 * @param graphParams its build parameters
 */
public record FreshConfig(Path log, int maxItems, long maxBytes, int flatLimit, String graphKind, Params graphParams) {
  public FreshConfig {
    if (maxItems <= 0 || maxBytes <= 0 || flatLimit <= 0) {
      throw new IllegalArgumentException("fresh items: maxItems " + maxItems + ", maxBytes " + maxBytes
          + " and flatLimit " + flatLimit + " must be positive");
    }
  }

  /**
   * Defaults for a log at {@code log}: a million entries and 1 GiB per delta, exact scans up to
   * 4,096 entries (a few tens of microseconds at dimension 64), then HNSW with M=16,
   * efConstruction=100.
   */
  public static FreshConfig defaults(Path log) {
    return new FreshConfig(log, 1_000_000, 1L << 30, 4096, "hnsw", Params.parse("M=16,efConstruction=100"));
  }

  /** The log beside snapshot root {@code root}: {@code <root>.fresh-items.log}. */
  public static Path logBeside(Path root) {
    Path abs = root.toAbsolutePath();
    return abs.resolveSibling(abs.getFileName() + ".fresh-items.log");
  }

  public FreshConfig withMaxItems(int n) {
    return new FreshConfig(log, n, maxBytes, flatLimit, graphKind, graphParams);
  }

  public FreshConfig withFlatLimit(int n) {
    return new FreshConfig(log, maxItems, maxBytes, n, graphKind, graphParams);
  }
}

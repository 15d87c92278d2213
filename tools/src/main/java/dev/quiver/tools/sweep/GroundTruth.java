package dev.quiver.tools.sweep;

import dev.quiver.tools.Progress;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Properties;

/**
 * Exact k nearest neighbours of the queries (base ordinals, best first), by the engine's exact
 * {@code flat} index, cached next to the query file.
 *
 * <p>The cache is {@code <query>.gt-<base>-<metric>-k<k>.ivecs} beside a {@code .source} file that
 * records the size and modification time of the base and query files it was computed from; it is
 * recomputed when either file changed, or when it holds fewer queries than asked for.
 */
public final class GroundTruth {
  private static final int CHUNK = 256;

  private GroundTruth() {}

  /** Where the ground truth of {@code query} against {@code base} is cached. */
  public static Path cachePath(Path base, Path query, Metric metric, int k) {
    return query.resolveSibling(stem(query) + ".gt-" + stem(base) + "-" + metric.shortName() + "-k" + k + ".ivecs");
  }

  /**
   * The cached ground truth for the first {@code queries.length} queries when it is fresh, else
   * computes and caches it.
   */
  public static int[][] cachedOrCompute(Path basePath, Path queryPath, VectorStore base, float[][] queries,
                                        Metric metric, int k, int threads, boolean progress) throws IOException {
    Path cache = cachePath(basePath, queryPath, metric, k);
    Path source = sourcePath(cache);
    Properties wanted = fingerprint(basePath, queryPath);
    if (Files.isRegularFile(cache) && Files.isRegularFile(source) && wanted.equals(load(source))
        && VectorFiles.rows(cache) >= queries.length && VectorFiles.dimension(cache) == k) {
      return Arrays.copyOf(VectorFiles.readInts(cache), queries.length);
    }
    int[][] gt = compute(base, queries, metric, k, threads, progress);
    VectorFiles.writeInts(cache, gt);
    try (Writer w = Files.newBufferedWriter(source)) {
      wanted.store(w, "files the ground truth " + cache.getFileName() + " was computed from");
    }
    return gt;
  }

  /**
   * Reads a given ground-truth file and keeps its first {@code queries} rows; IOException when it
   * holds fewer rows, fewer than {@code k} neighbours per row, or a neighbour among the first
   * {@code k} that is not an ordinal of the base (0 to {@code baseSize - 1}): recall measured
   * against such a file would be meaningless.
   */
  public static int[][] read(Path path, int queries, int k, int baseSize) throws IOException {
    int[][] gt = VectorFiles.readInts(path);
    if (gt.length < queries) {
      throw new IOException(path + ": ground truth has " + gt.length + " rows, fewer than the " + queries + " queries");
    }
    if (gt[0].length < k) {
      throw new IOException(path + ": ground truth has " + gt[0].length + " neighbours per query, fewer than k = " + k);
    }
    for (int q = 0; q < queries; q++) {
      for (int j = 0; j < k; j++) {
        if (gt[q][j] < 0 || gt[q][j] >= baseSize) {
          throw new IOException(path + ": ground truth row " + q + " holds neighbour " + gt[q][j]
              + ", not an ordinal of the base's " + baseSize + " rows (0 to " + (baseSize - 1) + ")");
        }
      }
    }
    return Arrays.copyOf(gt, queries);
  }

  /**
   * As {@link #compute(VectorStore, float[][], Metric, int, int, boolean)}, over the rows
   * {@code allowed} holds: copies them into a store of their own and searches that unfiltered,
   * which costs their share of a full scan.
   */
  public static int[][] compute(VectorStore base, float[][] queries, Metric metric, int k, int threads,
                                boolean progress, BitSet allowed) {
    int[] rows = allowed.stream().filter(i -> i < base.size()).toArray();
    try (VectorStore kept = VectorStore.allocate(base.dimension(), Math.max(1, rows.length))) {
      float[] row = new float[base.dimension()];
      for (int r : rows) {
        base.get(r, row);
        kept.add(row);
      }
      int[][] gt = compute(kept, queries, metric, k, threads, progress);
      for (int[] neighbours : gt) {
        for (int i = 0; i < neighbours.length; i++) {
          neighbours[i] = rows[neighbours[i]];
        }
      }
      return gt;
    }
  }

  /** Exact top-k ordinals by brute force over {@code base}, batched on up to {@code threads} threads. */
  public static int[][] compute(VectorStore base, float[][] queries, Metric metric, int k, int threads,
                                boolean progress) {
    int[][] gt = new int[queries.length][];
    try (VectorIndex exact = IndexFormats.forKind("flat").build(base, null, metric, Params.DEFAULT, threads);
         Progress bar = Progress.start("ground truth", queries.length, "queries", progress)) {
      SearchResults[] out = new SearchResults[Math.min(CHUNK, queries.length)];
      for (int i = 0; i < out.length; i++) {
        out[i] = new SearchResults(k);
      }
      for (int from = 0; from < queries.length; from += CHUNK) {
        int to = Math.min(queries.length, from + CHUNK);
        SearchResults[] slice = to - from == out.length ? out : Arrays.copyOf(out, to - from);
        exact.searchBatch(Arrays.copyOfRange(queries, from, to), k, null, Params.DEFAULT, slice, threads);
        for (int q = from; q < to; q++) {
          gt[q] = ordinals(slice[q - from], k);
        }
        bar.step(to - from);
      }
    }
    return gt;
  }

  private static int[] ordinals(SearchResults r, int k) {
    if (r.count() < k) {
      throw new IllegalArgumentException("the base holds " + r.count() + " vectors, fewer than k = " + k);
    }
    int[] row = new int[k];
    for (int i = 0; i < k; i++) {
      row[i] = (int) r.id(i);
    }
    return row;
  }

  private static Properties fingerprint(Path base, Path query) throws IOException {
    Properties p = new Properties();
    p.setProperty("base.size", Long.toString(Files.size(base)));
    p.setProperty("base.mtime", Files.getLastModifiedTime(base).toString());
    p.setProperty("query.size", Long.toString(Files.size(query)));
    p.setProperty("query.mtime", Files.getLastModifiedTime(query).toString());
    return p;
  }

  private static Properties load(Path source) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(source)) {
      p.load(r);
    }
    return p;
  }

  private static Path sourcePath(Path cache) {
    return cache.resolveSibling(cache.getFileName() + ".source");
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}

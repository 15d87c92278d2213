package dev.quiver.tools.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.Fixtures;
import dev.quiver.tools.TwoTowerDataset;
import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GroundTruthTest {
  private static final int K = 10;

  @ParameterizedTest
  @EnumSource(Metric.class)
  void computeMatchesDoublePrecisionBruteForce(Metric metric) {
    Random rnd = new Random(metric.ordinal());
    float[][] base = new float[700][];
    for (int i = 0; i < base.length; i++) {
      base[i] = new float[13];
      for (int j = 0; j < 13; j++) {
        base[i][j] = (float) rnd.nextGaussian();
      }
    }
    float[][] queries = Arrays.copyOfRange(base, 0, 300);
    for (float[] q : queries) {
      q[0] += 0.5f;
    }
    try (VectorStore store = Fixtures.store(base)) {
      // More queries than one chunk, so that chunk boundaries are covered.
      int[][] gt = GroundTruth.compute(store, queries, metric, K, 2, false);
      int[][] expected = Fixtures.bruteForce(base, queries, metric, K);
      for (int q = 0; q < queries.length; q++) {
        assertArrayEquals(expected[q], gt[q], "query " + q);
      }
    }
  }

  @Test
  void cachedBesideTheQueriesAndReused(@TempDir Path dir) throws IOException {
    TwoTowerDataset data = Fixtures.written(dir, 500, 16, 40, 1);
    Path base = dir.resolve(TwoTowerDataset.BASE);
    Path query = dir.resolve(TwoTowerDataset.USER_QUERIES);
    Path cache = GroundTruth.cachePath(base, query, Metric.INNER_PRODUCT, K);
    assertEquals(dir.resolve("query.gt-base-ip-k10.ivecs"), cache);
    try (VectorStore store = Fixtures.store(data.base())) {
      int[][] first = compute(base, query, store, data.userQueries());
      assertTrue(Files.isRegularFile(cache));
      assertDeepEquals(Fixtures.bruteForce(data.base(), data.userQueries(), Metric.INNER_PRODUCT, K), first);

      // A fresh cache is read, not recomputed: plant a marker in it and see it come back.
      plant(cache, first);
      assertEquals(499 - first[0][0], compute(base, query, store, data.userQueries())[0][0]);
      // Fewer queries come from the same cache.
      assertEquals(499 - first[0][0], compute(base, query, store, Arrays.copyOf(data.userQueries(), 5))[0][0]);

      // A changed query file makes the cache stale.
      Files.setLastModifiedTime(query, FileTime.fromMillis(Files.getLastModifiedTime(query).toMillis() + 5000));
      assertDeepEquals(first, compute(base, query, store, data.userQueries()));

      // More queries than the cache holds force a recompute.
      plant(cache, first);
      float[][] more = Arrays.copyOf(data.userQueries(), 41);
      more[40] = data.itemQueries()[0];
      int[][] recomputed = compute(base, query, store, more);
      assertEquals(41, recomputed.length);
      assertArrayEquals(first[0], recomputed[0]);
    }
  }

  @Test
  void givenFileNeedsEnoughRowsAndColumns(@TempDir Path dir) throws IOException {
    Path gt = dir.resolve("gt.ivecs");
    VectorFiles.writeInts(gt, new int[][] {{1, 2, 3}, {4, 5, 6}});
    assertEquals(2, GroundTruth.read(gt, 2, 3, 100).length);
    assertEquals(1, GroundTruth.read(gt, 1, 2, 100).length);
    IOException rows = assertThrows(IOException.class, () -> GroundTruth.read(gt, 3, 3, 100));
    assertTrue(rows.getMessage().contains("2 rows, fewer than the 3 queries"), rows.getMessage());
    IOException cols = assertThrows(IOException.class, () -> GroundTruth.read(gt, 2, 10, 100));
    assertTrue(cols.getMessage().contains("fewer than k = 10"), cols.getMessage());
  }

  @Test
  void givenFileMustHoldOrdinalsOfTheBase(@TempDir Path dir) throws IOException {
    Path gt = dir.resolve("gt.ivecs");
    VectorFiles.writeInts(gt, new int[][] {{1, 2, 3}, {4, -1, 99999}});
    assertEquals(1, GroundTruth.read(gt, 1, 3, 6000).length);
    IOException negative = assertThrows(IOException.class, () -> GroundTruth.read(gt, 2, 3, 6000));
    assertTrue(negative.getMessage().contains("row 1 holds neighbour -1, not an ordinal of the base's 6000 rows"),
        negative.getMessage());
    VectorFiles.writeInts(gt, new int[][] {{1, 2, 3}, {4, 5, 99999}});
    IOException beyond = assertThrows(IOException.class, () -> GroundTruth.read(gt, 2, 3, 6000));
    assertTrue(beyond.getMessage().contains("neighbour 99999"), beyond.getMessage());
    assertEquals(2, GroundTruth.read(gt, 2, 2, 6000).length);
  }

  private static int[][] compute(Path base, Path query, VectorStore store, float[][] queries) throws IOException {
    return GroundTruth.cachedOrCompute(base, query, store, queries, Metric.INNER_PRODUCT, K, 2, false);
  }

  /** Rewrites the cache with row 0 changed, keeping its modification time. */
  private static void plant(Path cache, int[][] truth) throws IOException {
    int[][] planted = Arrays.stream(truth).map(int[]::clone).toArray(int[][]::new);
    planted[0][0] = 499 - planted[0][0];
    FileTime before = Files.getLastModifiedTime(cache);
    VectorFiles.writeInts(cache, planted);
    Files.setLastModifiedTime(cache, before);
  }

  private static void assertDeepEquals(int[][] expected, int[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], actual[i], "row " + i);
    }
  }
}

package dev.quiver.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.Fixtures;
import dev.quiver.tools.DatasetSpec;
import dev.quiver.tools.TwoTowerModel;
import dev.quiver.tools.TwoTowerDataset;
import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwoTowerDatasetTest {
  private static final DatasetSpec SPEC = DatasetSpec.defaults(4000, 32, 200, 150, 100, 7);
  private static final TwoTowerDataset DATA = TwoTowerDataset.generate(SPEC, 2, false);

  @Test
  void sizesAndUnitNorms() {
    assertShape(DATA.base(), 4000, 32);
    assertShape(DATA.userQueries(), 200, 32);
    assertShape(DATA.itemQueries(), 150, 32);
    assertShape(DATA.learn(), 100, 32);
  }

  @Test
  void sameSpecSameRowsWhateverTheThreads() {
    TwoTowerDataset again = TwoTowerDataset.generate(SPEC, 1, false);
    assertDeepEquals(DATA.base(), again.base());
    assertDeepEquals(DATA.userQueries(), again.userQueries());
    assertDeepEquals(DATA.itemQueries(), again.itemQueries());
    assertDeepEquals(DATA.learn(), again.learn());
  }

  @Test
  void otherSeedOtherRows() {
    DatasetSpec other = DatasetSpec.defaults(4000, 32, 200, 150, 100, 8);
    TwoTowerDataset data = TwoTowerDataset.generate(other, 2, false);
    assertFalse(Arrays.equals(DATA.base()[0], data.base()[0]));
    assertFalse(Arrays.equals(DATA.userQueries()[0], data.userQueries()[0]));
  }

  @Test
  void streamsAreDisjoint() {
    // Users of the learn set are not the query users, and held-out items are not base items.
    for (int i = 0; i < DATA.learn().length; i++) {
      assertFalse(Arrays.equals(DATA.learn()[i], DATA.userQueries()[i]), "learn row " + i);
    }
    for (float[] q : DATA.itemQueries()) {
      for (float[] b : DATA.base()) {
        assertFalse(Arrays.equals(q, b));
      }
    }
  }

  @Test
  void itemsHaveLowIntrinsicDimension() {
    int r = SPEC.latentDimension();
    double items = Pca.topFraction(DATA.base(), r);
    double users = Pca.topFraction(DATA.userQueries(), r);
    assertTrue(items > 0.95, "items: top-" + r + " of 32 principal directions hold " + items + " of the variance");
    assertTrue(users < items - 0.2, "users should spread off the item manifold: " + users + " vs items " + items);
  }

  @Test
  void clusterSizesFollowZipf() {
    DatasetSpec spec = DatasetSpec.defaults(50_000, 32, 1, 1, 1, 11);
    TwoTowerModel model = new TwoTowerModel(spec);
    int[] counts = new int[spec.clusters()];
    SplittableRandom rng = new SplittableRandom(3);
    int draws = 200_000;
    for (int i = 0; i < draws; i++) {
      counts[model.cluster(rng)]++;
    }
    double harmonic = 0;
    for (int c = 1; c <= spec.clusters(); c++) {
      harmonic += 1.0 / c;
    }
    for (int c : new int[] {0, 1, 9, 99}) {
      double expected = draws / ((c + 1) * harmonic);
      assertEquals(expected, counts[c], 5 * Math.sqrt(expected), "cluster " + c);
    }
  }

  @Test
  void itemsAreClustered() {
    int[][] nn = Fixtures.bruteForce(DATA.base(), Arrays.copyOf(DATA.base(), 50), Metric.INNER_PRODUCT, 2);
    double mean = 0;
    for (int q = 0; q < 50; q++) {
      mean += Fixtures.score(DATA.base()[q], DATA.base()[nn[q][1]], Metric.INNER_PRODUCT) / 50;
    }
    assertTrue(mean > 0.9, "nearest other item similarity " + mean);
  }

  @Test
  void userQueriesSitFartherFromTheItemsThanItemQueries() {
    double users = meanBestSimilarity(DATA.userQueries());
    double items = meanBestSimilarity(DATA.itemQueries());
    assertTrue(items > 0.9, "held-out items have a close item: " + items);
    assertTrue(users < 0.75 * items, "users' best item similarity " + users + " vs items' " + items);
  }

  @Test
  void writesTheFourFiles(@TempDir Path dir) throws IOException {
    TwoTowerDataset small = TwoTowerDataset.generate(DatasetSpec.defaults(300, 16, 20, 10, 5, 3), 2, false);
    small.write(dir);
    assertFile(dir.resolve(TwoTowerDataset.BASE), small.base());
    assertFile(dir.resolve(TwoTowerDataset.USER_QUERIES), small.userQueries());
    assertFile(dir.resolve(TwoTowerDataset.ITEM_QUERIES), small.itemQueries());
    assertFile(dir.resolve(TwoTowerDataset.LEARN), small.learn());
  }

  @Test
  void badSpecNamesTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DatasetSpec.defaults(0, 16, 1, 1, 1, 1));
    assertTrue(e.getMessage().contains("n must be positive, got 0"), e.getMessage());
    DatasetSpec d = DatasetSpec.defaults(100, 16, 1, 1, 1, 1);
    e = assertThrows(IllegalArgumentException.class, () -> new DatasetSpec(100, 16, 1, 1, 1, 1, 17, 8, 1, 0.4, 0.4,
        0.1, 3, 0.3, 4));
    assertTrue(e.getMessage().contains("latentDimension 17 exceeds dimension 16"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new DatasetSpec(100, 16, 1, 1, 1, 1, d.latentDimension(),
        8, 1, 0.4, 0.4, Double.NaN, 3, 0.3, 4));
    assertTrue(e.getMessage().contains("itemNoise must be finite and >= 0, got NaN"), e.getMessage());
  }

  private static double meanBestSimilarity(float[][] queries) {
    int[][] nn = Fixtures.bruteForce(DATA.base(), queries, Metric.INNER_PRODUCT, 1);
    double sum = 0;
    for (int q = 0; q < queries.length; q++) {
      sum += Fixtures.score(queries[q], DATA.base()[nn[q][0]], Metric.INNER_PRODUCT);
    }
    return sum / queries.length;
  }

  private static void assertShape(float[][] rows, int n, int dim) {
    assertEquals(n, rows.length);
    for (float[] row : rows) {
      assertEquals(dim, row.length);
      assertEquals(1.0, Fixtures.norm(row), 1e-5);
    }
  }

  private static void assertDeepEquals(float[][] a, float[][] b) {
    assertEquals(a.length, b.length);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], "row " + i);
    }
  }

  private static void assertFile(Path path, float[][] rows) throws IOException {
    try (VectorStore store = VectorFiles.readFloats(path)) {
      assertEquals(rows.length, store.size());
      for (int i = 0; i < rows.length; i++) {
        assertArrayEquals(rows[i], store.get(i));
      }
    }
  }
}

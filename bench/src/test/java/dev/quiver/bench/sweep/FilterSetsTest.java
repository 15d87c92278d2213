package dev.quiver.bench.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.Fixtures;
import dev.quiver.tools.sweep.GroundTruth;
import dev.quiver.engine.Metric;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterSetsTest {
  @Test
  void sameShareSameRowsAndAboutThatShare() {
    for (double f : new double[] {0.9, 0.5, 0.1, 0.01}) {
      BitSet a = FilterSets.allowed(100_000, f);
      assertEquals(a, FilterSets.allowed(100_000, f));
      assertEquals(f, a.cardinality() / 100_000.0, 0.01, "share " + f);
    }
    assertNotEquals(FilterSets.allowed(1000, 0.5), FilterSets.allowed(1000, 0.49));
  }

  @Test
  void writesOneBytePerRow(@TempDir Path dir) throws IOException {
    BitSet allowed = FilterSets.allowed(777, 0.3);
    Path file = dir.resolve("f").resolve("allowed.bin");
    FilterSets.write(allowed, 777, file);
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(777, bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      assertEquals(allowed.get(i) ? 1 : 0, bytes[i], "row " + i);
    }
  }

  @Test
  void labelsAsWritten() {
    assertEquals("0.5", FilterSets.label(0.5));
    assertEquals("0.01", FilterSets.label(0.01));
    assertEquals("1", FilterSets.label(1.0));
  }

  @Test
  void filteredGroundTruthIsBruteForceOverTheAllowedRows() {
    Random rnd = new Random(4);
    float[][] base = new float[900][9];
    for (float[] row : base) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    float[][] queries = Arrays.copyOfRange(base, 0, 40);
    BitSet allowed = FilterSets.allowed(base.length, 0.1);
    int[] rows = allowed.stream().toArray();
    float[][] kept = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      kept[i] = base[rows[i]];
    }
    try (VectorStore store = Fixtures.store(base)) {
      int[][] gt = GroundTruth.compute(store, queries, Metric.INNER_PRODUCT, 10, 2, false, allowed);
      int[][] expected = Fixtures.bruteForce(kept, queries, Metric.INNER_PRODUCT, 10);
      for (int q = 0; q < queries.length; q++) {
        int[] mapped = Arrays.stream(expected[q]).map(i -> rows[i]).toArray();
        assertArrayEquals(mapped, gt[q], "query " + q);
        assertTrue(Arrays.stream(gt[q]).allMatch(allowed::get));
      }
    }
  }
}

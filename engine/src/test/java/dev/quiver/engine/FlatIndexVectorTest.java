package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Id to ordinal and the stored vector of an item, built and mapped from a file. */
class FlatIndexVectorTest {
  private static final int N = 150;
  private static final int DIM = 13;
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Metric.class)
  void vectorsAreTheInputRowsAndIdsRoundTrip(Metric metric) throws IOException {
    Random rnd = new Random(metric.ordinal() + 11);
    float[][] base = Fixtures.randomVectors(rnd, N, DIM);
    long[] ids = Fixtures.distinctIds(rnd, N);
    Path file = dir.resolve(metric.shortName() + ".qvi");
    try (VectorStore store = Fixtures.store(base); FlatIndex index = FlatIndex.build(store, ids, metric)) {
      assertVectorsAndIds(index, base, ids, metric);
      index.write(file);
    }
    try (VectorIndex opened = IndexFormats.open(file)) {
      assertVectorsAndIds(opened, base, ids, metric);
    }
  }

  static void assertVectorsAndIds(VectorIndex index, float[][] base, long[] ids, Metric metric) {
    float[] out = new float[DIM];
    for (int i = 0; i < base.length; i++) {
      assertEquals(i, index.ordinal(ids[i]));
      index.vector(i, out);
      assertArrayEquals(held(base[i], metric), out, "ordinal " + i);
    }
    Set<Long> known = new HashSet<>();
    for (long id : ids) {
      known.add(id);
    }
    Random rnd = new Random(5);
    for (int t = 0; t < 50; t++) {
      long unknown = rnd.nextLong();
      if (!known.contains(unknown)) {
        assertEquals(-1, index.ordinal(unknown));
      }
    }
  }

  /** The row an index holds: the input, normalised for cosine. */
  static float[] held(float[] row, Metric metric) {
    float[] v = row.clone();
    if (metric == Metric.COSINE) {
      VectorKernels.normalize(v);
    }
    return v;
  }

  @Test
  void identityIdsAndItemToItemSearch() {
    Random rnd = new Random(3);
    float[][] base = Fixtures.randomVectors(rnd, N, DIM);
    try (VectorStore store = Fixtures.store(base); FlatIndex index = FlatIndex.build(store, null, Metric.COSINE)) {
      assertEquals(-1, index.ordinal(-1));
      assertEquals(-1, index.ordinal(N));
      float[] item = new float[DIM];
      SearchResults out = new SearchResults(2);
      for (int id = 0; id < N; id += 7) {
        int i = index.ordinal(id);
        assertEquals(id, i);
        index.vector(i, item);
        index.search(item, 2, o -> o != i, Params.DEFAULT, out);
        // Its own vector as the query, itself excluded: the best is its nearest other item.
        double best = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < N; j++) {
          if (j != i) {
            best = Math.max(best, cosine(base[i], base[j]));
          }
        }
        assertTrue(out.id(0) != i);
        assertEquals(best, out.score(0), 1e-5);
      }
    }
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int j = 0; j < a.length; j++) {
      dot += (double) a[j] * b[j];
      na += (double) a[j] * a[j];
      nb += (double) b[j] * b[j];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void badOrdinalsLengthsAndClosedIndexAreRefused() {
    try (VectorStore store = Fixtures.store(Fixtures.randomVectors(new Random(1), 10, DIM))) {
      FlatIndex index = FlatIndex.build(store, null, Metric.L2);
      var e = assertThrows(IllegalArgumentException.class, () -> index.vector(10, new float[DIM]));
      assertTrue(e.getMessage().contains("ordinal 10"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.vector(-1, new float[DIM]));
      assertTrue(e.getMessage().contains("ordinal -1"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.vector(0, new float[DIM + 1]));
      assertTrue(e.getMessage().contains("length " + (DIM + 1)), e.getMessage());
      index.close();
      assertThrows(IllegalStateException.class, () -> index.vector(0, new float[DIM]));
      assertThrows(IllegalStateException.class, () -> index.ordinal(0));
    }
  }
}

package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Id to ordinal and the stored vector of an item: built, grown by adds, and mapped from a file. */
class HnswVectorTest {
  private static final int N = 300;
  private static final int DIM = 11;
  private static final String BUILD_SPEC = "M=8,efConstruction=40";
  private static final Params BUILD = Params.parse(BUILD_SPEC);
  @TempDir Path dir;

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"ip,ipGraph=transform", "ip,ipGraph=raw", "cosine,", "l2,"})
  void vectorsAreTheInputRowsAndIdsRoundTrip(String metricName, String extra) throws IOException {
    Metric metric = Metric.fromName(metricName);
    float[][] data = TestData.baseAndQueries(7, N + 5, 0, DIM, 6, true)[0];
    float[][] base = Arrays.copyOf(data, N);
    long[] ids = new long[N + 5];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1_000_003L * i - 77;
    }
    Params build = extra == null ? BUILD : Params.parse(BUILD_SPEC + "," + extra);
    Path file = dir.resolve(metricName + ".qvr");
    try (VectorStore store = TestData.store(base);
         HnswIndex index = HnswIndex.build(store, Arrays.copyOf(ids, N), metric, build, null, 1)) {
      assertVectorsAndIds(index, data, ids, N, metric);
      // Adds past the first capacity grow the graph; their rows are read from the new one.
      for (int i = N; i < N + 5; i++) {
        index.add(ids[i], data[i]);
      }
      assertTrue(index.delete(ids[3]));
      assertEquals(3, index.ordinal(ids[3]), "a deleted item keeps its ordinal");
      assertVectorsAndIds(index, data, ids, N + 5, metric);
      index.write(file);
    }
    try (VectorIndex opened = IndexFormats.open(file)) {
      assertVectorsAndIds(opened, data, ids, N + 5, metric);
    }
  }

  private static void assertVectorsAndIds(VectorIndex index, float[][] data, long[] ids, int n, Metric metric) {
    float[] out = new float[DIM];
    for (int i = 0; i < n; i++) {
      assertEquals(i, index.ordinal(ids[i]));
      index.vector(i, out);
      float[] expected = data[i].clone();
      if (metric == Metric.COSINE) {
        VectorKernels.normalize(expected);
      }
      assertArrayEquals(expected, out, "ordinal " + i);
    }
    assertEquals(-1, index.ordinal(-76));
    assertEquals(-1, index.ordinal(ids[n - 1] + 1));
  }

  @Test
  void identityIdsBadArgumentsAndClose() {
    float[][] base = TestData.baseAndQueries(8, 50, 0, DIM, 3, false)[0];
    try (VectorStore store = TestData.store(base)) {
      HnswIndex index = HnswIndex.build(store, null, Metric.L2, BUILD, null, 1);
      assertEquals(17, index.ordinal(17));
      assertEquals(-1, index.ordinal(50));
      assertEquals(-1, index.ordinal(-1));
      assertEquals(50, index.add(base[0]));
      assertEquals(50, index.ordinal(50));
      float[] out = new float[DIM];
      index.vector(50, out);
      assertArrayEquals(base[0], out);
      var e = assertThrows(IllegalArgumentException.class, () -> index.vector(51, out));
      assertTrue(e.getMessage().contains("ordinal 51"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.vector(0, new float[DIM - 1]));
      assertTrue(e.getMessage().contains("length " + (DIM - 1)), e.getMessage());
      index.close();
      assertThrows(IllegalStateException.class, () -> index.vector(0, out));
      assertThrows(IllegalStateException.class, () -> index.ordinal(0));
    }
  }
}

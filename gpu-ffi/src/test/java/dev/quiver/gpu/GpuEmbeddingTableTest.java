package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Embedding gather and pooling against the CPU reference; skipped without a CUDA device. */
class GpuEmbeddingTableTest {
  private static Cuda cuda;

  @BeforeAll
  static void device() {
    cuda = Cuda.runtime();
    assumeTrue(cuda.available(), () -> "no usable GPU: " + cuda.reason());
  }

  @ParameterizedTest
  @EnumSource(Pooling.class)
  void pooledBagsLandInTheirColumnsAndNothingElseChanges(Pooling pooling) {
    SplittableRandom random = new SplittableRandom(21);
    int rows = 1000;
    int dim = 37;
    int bags = 301;
    int ld = 50;
    int column = 5;
    float[] table = CpuReference.randomInput(random, rows * dim);
    int[] offsets = new int[bags + 1];
    for (int b = 0; b < bags; b++) {
      offsets[b + 1] = offsets[b] + random.nextInt(13); // 0 to 12 ids, empty bags included
    }
    int[] ids = new int[offsets[bags]];
    for (int p = 0; p < ids.length; p++) {
      ids[p] = random.nextInt(rows);
    }
    float[] out = new float[bags * ld];
    java.util.Arrays.fill(out, 7f);
    try (CudaStream stream = CudaStream.create(cuda);
        GpuEmbeddingTable gpu = GpuEmbeddingTable.upload(cuda, table, rows, dim, stream)) {
      gpu.pool(ids, offsets, bags, pooling, out, ld, column);
    }
    double[] expected = CpuReference.pool(table, dim, ids, offsets, bags, pooling);
    for (int b = 0; b < bags; b++) {
      for (int c = 0; c < ld; c++) {
        float got = out[b * ld + c];
        if (c < column || c >= column + dim) {
          assertEquals(7f, got, "bag " + b + " column " + c + " must be untouched");
        } else {
          double want = expected[b * dim + c - column];
          assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), "bag " + b + " column " + c);
        }
      }
    }
  }

  @Test
  void idsOutsideTheTableAreRefusedBeforeTheKernel() {
    try (CudaStream stream = CudaStream.create(cuda);
        GpuEmbeddingTable gpu = GpuEmbeddingTable.upload(cuda, new float[10 * 4], 10, 4, stream)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gpu.pool(new int[] {3, 10}, new int[] {0, 2}, 1, Pooling.SUM, new float[4], 4, 0));
      assertTrue(e.getMessage().contains("ids[1] = 10"), e.getMessage());
    }
  }
}

package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** GPU against the double-precision CPU reference; skipped without a CUDA device. */
class GpuMlpTest {
  private static final double TOLERANCE = 1e-4;
  private static final int[] BATCHES = {1, 2, 3, 31, 64, 65, 255, 256, 257, 1000, 1024, 1025, 4096};
  private static final long MIB = 1 << 20;

  private static Cuda cuda;

  @BeforeAll
  static void device() {
    cuda = Cuda.runtime();
    assumeTrue(cuda.available(), () -> "no usable GPU: " + cuda.reason());
  }

  private static void assumeGemm(GpuMlp.Gemm gemm) {
    assumeTrue(gemm != GpuMlp.Gemm.CUBLAS || Cublas.library().available(),
        () -> "cuBLAS: " + Cublas.library().reason());
  }

  @ParameterizedTest
  @EnumSource(GpuMlp.Gemm.class)
  void oddWidthsMatchTheReferenceAtEveryBatchSize(GpuMlp.Gemm gemm) {
    assumeGemm(gemm);
    SplittableRandom random = new SplittableRandom(11);
    DenseNetwork net = CpuReference.oddNetwork(random);
    try (GpuMlp mlp = GpuMlp.upload(cuda, net, 1024, gemm)) {
      for (int rows : BATCHES) {
        float[] x = CpuReference.randomInput(random, rows * net.inputDim());
        float[] y = new float[rows * net.outputDim()];
        mlp.forward(x, rows, y);
        double error = CpuReference.maxRowRelativeError(CpuReference.forward(net, x, rows), y, rows,
            net.outputDim());
        assertTrue(error <= TOLERANCE, gemm + " batch " + rows + ": relative error " + error);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(GpuMlp.Gemm.class)
  void towerShapeMatchesTheReference(GpuMlp.Gemm gemm) {
    assumeGemm(gemm);
    SplittableRandom random = new SplittableRandom(12);
    DenseNetwork net = CpuReference.towerNetwork(random);
    int rows = 300;
    try (GpuMlp mlp = GpuMlp.upload(cuda, net, 256, gemm)) {
      float[] x = CpuReference.randomInput(random, rows * net.inputDim());
      float[] y = new float[rows * net.outputDim()];
      mlp.forward(x, rows, y);
      double error = CpuReference.maxRowRelativeError(CpuReference.forward(net, x, rows), y, rows,
          net.outputDim());
      assertTrue(error <= TOLERANCE, gemm + ": relative error " + error);
    }
  }

  @ParameterizedTest
  @EnumSource(GpuMlp.Gemm.class)
  void openCloseCyclesLeakNoDeviceMemory(GpuMlp.Gemm gemm) {
    assumeGemm(gemm);
    SplittableRandom random = new SplittableRandom(13);
    DenseNetwork net = CpuReference.towerNetwork(random);
    float[] x = CpuReference.randomInput(random, 1024 * net.inputDim());
    float[] y = new float[1024 * net.outputDim()];
    Runnable cycle = () -> {
      try (GpuMlp mlp = GpuMlp.upload(cuda, net, 1024, gemm)) {
        mlp.forward(x, 1024, y);
      }
    };
    cycle.run(); // first use loads the kernels' modules and cuBLAS's state, which stay
    long before = cuda.freeMemory();
    for (int i = 0; i < 5; i++) {
      cycle.run();
    }
    long after = cuda.freeMemory();
    // Each cycle holds about 6 MiB (two 1024 x 512 activation buffers, weights, staging).
    assertTrue(before - after <= 2 * MIB, "free device memory fell by " + (before - after) + " bytes");
  }

  @Test
  void pooledEmbeddingsFeedTheNetworkOnTheDevice() {
    SplittableRandom random = new SplittableRandom(17);
    int rows = 77;
    int dimA = 5;
    int dimB = 7;
    float[] tableA = CpuReference.randomInput(random, 100 * dimA);
    float[] tableB = CpuReference.randomInput(random, 50 * dimB);
    int[] idsA = new int[rows];
    int[] offsetsA = new int[rows + 1];
    int[] offsetsB = new int[rows + 1];
    for (int r = 0; r < rows; r++) {
      idsA[r] = random.nextInt(100);
      offsetsA[r + 1] = r + 1;
      offsetsB[r + 1] = offsetsB[r] + random.nextInt(6);
    }
    int[] idsB = new int[offsetsB[rows]];
    for (int p = 0; p < idsB.length; p++) {
      idsB[p] = random.nextInt(50);
    }
    DenseNetwork net = new DenseNetwork(java.util.List.of(
        CpuReference.randomLayer(random, dimA + dimB, 9, true, Activation.GELU),
        CpuReference.randomLayer(random, 9, 4, true, Activation.IDENTITY)), true, 0.5f);
    float[] y = new float[rows * 4];
    try (CudaStream stream = CudaStream.create(cuda);
        GpuEmbeddingTable a = GpuEmbeddingTable.upload(cuda, tableA, 100, dimA, stream);
        GpuEmbeddingTable b = GpuEmbeddingTable.upload(cuda, tableB, 50, dimB, stream);
        DeviceBuffer dIdsA = DeviceBuffer.of(cuda, idsA, stream);
        DeviceBuffer dOffsetsA = DeviceBuffer.of(cuda, offsetsA, stream);
        DeviceBuffer dIdsB = DeviceBuffer.of(cuda, idsB, stream);
        DeviceBuffer dOffsetsB = DeviceBuffer.of(cuda, offsetsB, stream);
        GpuMlp mlp = GpuMlp.upload(cuda, net, 128, GpuMlp.Gemm.KERNEL)) {
      mlp.forward(rows, (input, n, s) -> {
        a.pool(dIdsA, dOffsetsA, n, Pooling.SUM, input, 0, dimA + dimB, s);
        b.pool(dIdsB, dOffsetsB, n, Pooling.MEAN, input, (long) dimA * Float.BYTES, dimA + dimB, s);
      }, java.lang.foreign.MemorySegment.ofArray(y));
    }
    double[] pooledA = CpuReference.pool(tableA, dimA, idsA, offsetsA, rows, Pooling.SUM);
    double[] pooledB = CpuReference.pool(tableB, dimB, idsB, offsetsB, rows, Pooling.MEAN);
    float[] x = new float[rows * (dimA + dimB)];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < dimA; c++) {
        x[r * (dimA + dimB) + c] = (float) pooledA[r * dimA + c];
      }
      for (int c = 0; c < dimB; c++) {
        x[r * (dimA + dimB) + dimA + c] = (float) pooledB[r * dimB + c];
      }
    }
    double error = CpuReference.maxRowRelativeError(CpuReference.forward(net, x, rows), y, rows, 4);
    assertTrue(error <= TOLERANCE, "relative error " + error);
  }

  @Test
  void closedNetworkRefusesWork() {
    DenseNetwork net = CpuReference.oddNetwork(new SplittableRandom(14));
    GpuMlp mlp = GpuMlp.upload(cuda, net, 8, GpuMlp.Gemm.KERNEL);
    mlp.close();
    mlp.close();
    assertThrows(IllegalStateException.class, () -> mlp.forward(new float[37], 1, new float[31]));
  }

  @Test
  void shortArraysAreRefused() {
    DenseNetwork net = CpuReference.oddNetwork(new SplittableRandom(15));
    try (GpuMlp mlp = GpuMlp.upload(cuda, net, 8, GpuMlp.Gemm.KERNEL)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> mlp.forward(new float[37], 2, new float[62]));
      assertTrue(e.getMessage().contains("rows=2"), e.getMessage());
    }
  }

  @Test
  void outOfMemoryCarriesTheCudaErrorName() {
    CudaException e = assertThrows(CudaException.class, () -> DeviceBuffer.allocate(cuda, 1L << 50));
    assertEquals("cudaErrorMemoryAllocation", e.errorName());
    assertTrue(e.getMessage().startsWith("cudaMalloc failed: cudaErrorMemoryAllocation"),
        e.getMessage());
  }

  @Test
  void buffersRoundTripAndPinnedMemoryDiesWithClose() {
    float[] values = CpuReference.randomInput(new SplittableRandom(16), 1001);
    try (CudaStream stream = CudaStream.create(cuda);
        DeviceBuffer device = DeviceBuffer.of(cuda, values, stream)) {
      PinnedBuffer back = PinnedBuffer.allocate(cuda, 1000L * Float.BYTES);
      device.copyToHost(Float.BYTES, back.segment(), 1000L * Float.BYTES, stream); // unaligned by one float
      stream.synchronize();
      for (int i = 0; i < 1000; i++) {
        assertEquals(values[i + 1], back.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i));
      }
      back.close();
      assertThrows(IllegalStateException.class,
          () -> back.segment().getAtIndex(ValueLayout.JAVA_FLOAT, 0));
      assertThrows(IllegalArgumentException.class,
          () -> device.copyToHost(8, back.segment(), device.bytes(), stream));
    }
  }
}

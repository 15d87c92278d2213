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
    float[] x = CpuReference.randomInput(random, 4096 * net.inputDim());
    float[] y = new float[4096 * net.outputDim()];
    Runnable cycle = () -> {
      try (GpuMlp mlp = GpuMlp.upload(cuda, net, 4096, gemm)) {
        mlp.forward(x, 4096, y);
      }
    };
    cycle.run(); // first use loads the kernels' modules and cuBLAS's state, which stay
    long before = cuda.freeMemory();
    for (int i = 0; i < 5; i++) {
      cycle.run();
    }
    long after = cuda.freeMemory();
    // Each cycle holds about 18 MiB (two 4096 x 512 activation buffers, weights, staging).
    assertTrue(before - after <= 2 * MIB, "free device memory fell by " + (before - after) + " bytes");
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

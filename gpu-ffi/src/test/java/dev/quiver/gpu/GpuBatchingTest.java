package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Single requests from many threads, batched onto the GPU, each caller checked against the CPU
 * reference; then the GPU fails (its network is closed under the batcher) and every later request
 * is answered by the CPU fallback and counted. Skipped without a CUDA device.
 */
class GpuBatchingTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 200;

  @Test
  void concurrentRequestsGetTheirOwnVectorsAndSurviveAGpuFailure() throws Exception {
    Cuda cuda = Cuda.runtime();
    assumeTrue(cuda.available(), () -> "no usable GPU: " + cuda.reason());
    DenseNetwork net = CpuReference.oddNetwork(new SplittableRandom(31));
    int in = net.inputDim();
    int out = net.outputDim();
    GpuMlp mlp = GpuMlp.upload(cuda, net, 64, GpuMlp.Gemm.KERNEL);
    float[] staging = new float[64 * in];
    float[] results = new float[64 * out];
    DynamicBatcher.BatchFunction<float[], float[]> gpu = batch -> {
      for (int i = 0; i < batch.size(); i++) {
        System.arraycopy(batch.request(i), 0, staging, i * in, in);
      }
      mlp.forward(staging, batch.size(), results);
      for (int i = 0; i < batch.size(); i++) {
        System.arraycopy(results, i * out, batch.result(i), 0, out);
      }
    };
    DynamicBatcher.Fallback<float[], float[]> cpu = (x, y) -> {
      double[] r = CpuReference.forward(net, x, 1);
      for (int c = 0; c < out; c++) {
        y[c] = (float) r[c];
      }
    };
    try (var batcher = new DynamicBatcher<>("gpu-test", new DynamicBatcher.Options(64, 100_000, 128),
        gpu, cpu)) {
      assertEquals(0, runCallers(batcher, net, 1));
      assertEquals(0, batcher.fallbackCount());
      assertEquals((long) THREADS * PER_THREAD, batcher.requestCount());

      mlp.close(); // every batch now throws, as after a device failure
      assertEquals(0, runCallers(batcher, net, 2));
      assertEquals((long) THREADS * PER_THREAD, batcher.fallbackCount());
      assertTrue(batcher.failedBatchCount() > 0);
    } finally {
      mlp.close();
    }
  }

  /** Runs the callers; returns how many results were wrong. */
  private static int runCallers(DynamicBatcher<float[], float[]> batcher, DenseNetwork net,
      long seed) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int[] wrong = new int[THREADS];
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      threads.add(Thread.ofPlatform().start(() -> {
        SplittableRandom random = new SplittableRandom(seed * 1000 + id);
        float[] y = new float[net.outputDim()];
        try {
          for (int i = 0; i < PER_THREAD; i++) {
            float[] x = CpuReference.randomInput(random, net.inputDim());
            batcher.call(x, y);
            double[] want = CpuReference.forward(net, x, 1);
            if (CpuReference.maxRowRelativeError(want, y, 1, net.outputDim()) > 1e-4) {
              wrong[id]++;
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    int total = 0;
    for (int w : wrong) {
      total += w;
    }
    return total;
  }
}

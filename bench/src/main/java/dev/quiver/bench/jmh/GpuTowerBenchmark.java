package dev.quiver.bench.jmh;

import dev.quiver.gpu.Activation;
import dev.quiver.gpu.Cuda;
import dev.quiver.gpu.CudaStream;
import dev.quiver.gpu.DeviceBuffer;
import dev.quiver.gpu.DenseLayer;
import dev.quiver.gpu.DenseNetwork;
import dev.quiver.gpu.DynamicBatcher;
import dev.quiver.gpu.GpuMlp;
import dev.quiver.gpu.PinnedBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The user tower's MLP (416-512-256-64, ReLU, L2-normalised; random weights) on the GPU, host
 * arrays in and out, so every figure includes the PCIe copies and the stream synchronisation.
 *
 * <ul>
 *   <li>{@code forward}: one call of {@code batch} rows. Throughput in calls/s (times
 *       {@code batch} for rows/s) and sampled latency (batch 1 gives the single-request latency).
 *   <li>{@code transfers}: the same bytes in and out with no computation, the PCIe floor of
 *       {@code forward} at each batch size (its {@code gemm} parameter changes nothing).
 *   <li>{@code batched}: one request per call through a {@link DynamicBatcher} (up to 256 rows or
 *       200 µs) in front of the GPU. Run it with {@code -t 1} for the latency the batcher adds at
 *       low load and with {@code -t 64} for the throughput it gains at high load.
 * </ul>
 *
 * Needs a CUDA device: without one the set-up fails with {@link Cuda#reason()}.
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class GpuTowerBenchmark {
  static final int IN = 416;
  static final int OUT = 64;

  /** The tower's MLP with weights uniform in +-1/sqrt(in), as PyTorch initialises nn.Linear. */
  static DenseNetwork tower() {
    SplittableRandom random = new SplittableRandom(42);
    return new DenseNetwork(List.of(layer(random, IN, 512, Activation.RELU),
        layer(random, 512, 256, Activation.RELU), layer(random, 256, OUT, Activation.IDENTITY)),
        true, 1f);
  }

  private static DenseLayer layer(SplittableRandom random, int in, int out, Activation act) {
    double bound = 1 / Math.sqrt(in);
    float[] w = new float[in * out];
    float[] b = new float[out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextDouble(-bound, bound);
    }
    for (int i = 0; i < out; i++) {
      b[i] = (float) random.nextDouble(-bound, bound);
    }
    return new DenseLayer(in, out, w, b, act);
  }

  static float[] gaussian(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  static Cuda device() {
    Cuda cuda = Cuda.runtime();
    if (!cuda.available()) {
      throw new IllegalStateException("GpuTowerBenchmark needs a CUDA GPU: " + cuda.reason());
    }
    return cuda;
  }

  /** One network per trial, used by one thread. */
  @State(Scope.Thread)
  public static class Direct {
    @Param({"1", "256", "1024", "4096"})
    public int batch;

    @Param({"KERNEL", "CUBLAS"})
    public GpuMlp.Gemm gemm;

    GpuMlp mlp;
    float[] input;
    float[] output;
    CudaStream stream;
    PinnedBuffer hostIn;
    PinnedBuffer hostOut;
    DeviceBuffer deviceIn;
    DeviceBuffer deviceOut;

    @Setup(Level.Trial)
    public void setUp() {
      Cuda cuda = device();
      mlp = GpuMlp.upload(cuda, tower(), batch, gemm);
      input = gaussian(batch * IN, 1);
      output = new float[batch * OUT];
      stream = CudaStream.create(cuda);
      hostIn = PinnedBuffer.allocate(cuda, (long) batch * IN * Float.BYTES);
      hostOut = PinnedBuffer.allocate(cuda, (long) batch * OUT * Float.BYTES);
      deviceIn = DeviceBuffer.allocate(cuda, hostIn.segment().byteSize());
      deviceOut = DeviceBuffer.allocate(cuda, hostOut.segment().byteSize());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      deviceOut.close();
      deviceIn.close();
      hostOut.close();
      hostIn.close();
      stream.close();
      mlp.close();
    }
  }

  /** One network behind one batcher, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Batched {
    @Param({"KERNEL", "CUBLAS"})
    public GpuMlp.Gemm gemm;

    GpuMlp mlp;
    DynamicBatcher<float[], float[]> batcher;
    final float[] staging = new float[256 * IN];
    final float[] results = new float[256 * OUT];

    @Setup(Level.Trial)
    public void setUp() {
      mlp = GpuMlp.upload(device(), tower(), 256, gemm);
      batcher = new DynamicBatcher<>("bench", DynamicBatcher.Options.defaults(), this::runBatch,
          (request, result) -> {
            throw new IllegalStateException("the benchmark measures the GPU path only");
          });
    }

    private void runBatch(DynamicBatcher.Batch<float[], float[]> b) {
      for (int i = 0; i < b.size(); i++) {
        System.arraycopy(b.request(i), 0, staging, i * IN, IN);
      }
      mlp.forward(staging, b.size(), results);
      for (int i = 0; i < b.size(); i++) {
        System.arraycopy(results, i * OUT, b.result(i), 0, OUT);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      batcher.close();
      mlp.close();
    }
  }

  /** Each benchmark thread's own request and result. */
  @State(Scope.Thread)
  public static class Caller {
    final float[] request = gaussian(IN, Thread.currentThread().threadId());
    final float[] result = new float[OUT];
  }

  @Benchmark
  public float[] forward(Direct s) {
    s.mlp.forward(s.input, s.batch, s.output);
    return s.output;
  }

  /**
   * The transfer floor of {@code forward}: the same bytes in and out over PCIe between pinned
   * and device memory, and one synchronisation, with no computation.
   */
  @Benchmark
  public void transfers(Direct s) {
    s.deviceIn.copyFromHost(s.hostIn.segment(), 0, s.deviceIn.bytes(), s.stream);
    s.deviceOut.copyToHost(0, s.hostOut.segment(), s.deviceOut.bytes(), s.stream);
    s.stream.synchronize();
  }

  @Benchmark
  public float[] batched(Batched s, Caller c) {
    s.batcher.call(c.request, c.result);
    return c.result;
  }
}

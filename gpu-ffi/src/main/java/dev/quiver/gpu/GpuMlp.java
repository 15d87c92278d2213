package dev.quiver.gpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DenseNetwork} resident on the GPU: weights uploaded once, batches of input rows run
 * through it on the network's own stream, staged through pinned host buffers.
 *
 * <p>A batch larger than {@code maxBatch} runs in chunks of {@code maxBatch} rows. Each dense
 * layer is one GEMM with bias and activation fused ({@link Gemm#KERNEL}), or cuBLAS's
 * {@code cublasSgemm} followed by a bias-and-activation kernel ({@link Gemm#CUBLAS}); both
 * accumulate in float32 (no TF32).
 *
 * <p>Not thread-safe: one thread at a time runs batches (a {@link DynamicBatcher}'s batch function,
 * say) and closes it. {@link #close()} frees every device and pinned allocation and the stream; the device memory
 * in use returns to what it was before {@link #upload}.
 */
public final class GpuMlp implements AutoCloseable {
  /** How a dense layer's matrix product is computed. */
  public enum Gemm {
    /** libquiver_gpu's tiled kernel, bias and activation fused. */
    KERNEL,
    /** cuBLAS sgemm, then libquiver_gpu's bias-and-activation kernel. */
    CUBLAS
  }

  /** The most rows one kernel launch takes (65,535 row tiles of 64). */
  public static final int MAX_BATCH = 65_535 * 64;

  private final CudaBinding cuda;
  private final DenseNetwork network;
  private final int maxBatch;
  private final Gemm gemm;
  private final List<AutoCloseable> owned;
  private final CudaStream stream;
  private final DeviceBuffer[] weights;
  private final DeviceBuffer[] biases;
  private final DeviceBuffer ping;
  private final DeviceBuffer pong;
  private final PinnedBuffer hostIn;
  private final PinnedBuffer hostOut;
  private final Arena scalars;
  private final MemorySegment one;
  private final MemorySegment zero;
  private MemorySegment blasHandle;
  private boolean closed;

  private GpuMlp(Cuda cuda, DenseNetwork network, int maxBatch, Gemm gemm, List<AutoCloseable> owned) {
    this.cuda = cuda.binding();
    this.network = network;
    this.maxBatch = maxBatch;
    this.gemm = gemm;
    this.owned = owned;
    this.stream = own(CudaStream.create(cuda));
    int layers = network.layers().size();
    weights = new DeviceBuffer[layers];
    biases = new DeviceBuffer[layers];
    for (int i = 0; i < layers; i++) {
      DenseLayer l = network.layers().get(i);
      weights[i] = own(DeviceBuffer.of(cuda, l.weights(), stream));
      biases[i] = l.bias() == null ? null : own(DeviceBuffer.of(cuda, l.bias(), stream));
    }
    long activations = (long) maxBatch * network.maxWidth() * Float.BYTES;
    ping = own(DeviceBuffer.allocate(cuda, activations));
    pong = own(DeviceBuffer.allocate(cuda, activations));
    hostIn = own(PinnedBuffer.allocate(cuda, (long) maxBatch * network.inputDim() * Float.BYTES));
    hostOut = own(PinnedBuffer.allocate(cuda, (long) maxBatch * network.outputDim() * Float.BYTES));
    scalars = Arena.ofShared();
    owned.add(scalars::close);
    one = scalars.allocateFrom(JAVA_FLOAT, 1f);
    zero = scalars.allocateFrom(JAVA_FLOAT, 0f);
    if (gemm == Gemm.CUBLAS) {
      MemorySegment h = Cublas.library().create(stream);
      blasHandle = h;
      owned.add(() -> Cublas.library().destroy(h));
    }
  }

  /**
   * Uploads {@code network} and allocates buffers for batches of up to {@code maxBatch} rows.
   *
   * @throws IllegalArgumentException if {@code maxBatch} is not positive
   * @throws IllegalStateException if CUDA (or, for {@link Gemm#CUBLAS}, cuBLAS) is unavailable
   * @throws CudaException if an allocation or copy fails; what was allocated is freed
   */
  public static GpuMlp upload(Cuda cuda, DenseNetwork network, int maxBatch, Gemm gemm) {
    if (maxBatch <= 0 || maxBatch > MAX_BATCH) {
      throw new IllegalArgumentException("maxBatch must be in [1, " + MAX_BATCH + "]: " + maxBatch);
    }
    if (gemm == Gemm.CUBLAS && !Cublas.library().available()) {
      throw new IllegalStateException("cuBLAS is unavailable: " + Cublas.library().reason());
    }
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      return new GpuMlp(cuda, network, maxBatch, gemm, owned);
    } catch (RuntimeException e) {
      closeAll(owned, e);
      throw e;
    }
  }

  /** cuBLAS when it loads, else the library's own kernel. */
  public static Gemm defaultGemm() {
    return Cublas.library().available() ? Gemm.CUBLAS : Gemm.KERNEL;
  }

  /** The network this was uploaded from. */
  public DenseNetwork network() {
    return network;
  }

  /**
   * Runs {@code rows} rows of {@code input} ({@code rows x inputDim} floats) and writes
   * {@code rows x outputDim} floats to {@code output}; returns when they are written.
   *
   * @throws IllegalArgumentException if an array is too short for {@code rows}
   * @throws CudaException if a CUDA call fails (the network stays usable unless the device is lost)
   */
  public void forward(float[] input, int rows, float[] output) {
    forward(MemorySegment.ofArray(input), rows, MemorySegment.ofArray(output));
  }

  /** As {@link #forward(float[], int, float[])}, from and to any memory segments. */
  public void forward(MemorySegment input, int rows, MemorySegment output) {
    checkOpen();
    long inRow = (long) network.inputDim() * Float.BYTES;
    long outRow = (long) network.outputDim() * Float.BYTES;
    if (rows < 0 || input.byteSize() < rows * inRow || output.byteSize() < rows * outRow) {
      throw new IllegalArgumentException("rows=" + rows + " needs " + rows * inRow + " input and "
          + rows * outRow + " output bytes, got " + input.byteSize() + " and " + output.byteSize());
    }
    for (int r = 0; r < rows; r += maxBatch) {
      int n = Math.min(maxBatch, rows - r);
      MemorySegment.copy(input, r * inRow, hostIn.segment(), 0, n * inRow);
      ping.copyFromHost(hostIn.segment(), 0, n * inRow, stream);
      MemorySegment result = run(n);
      MemorySegment.copy(result, 0, output, r * outRow, n * outRow);
    }
  }

  /**
   * Runs {@code rows} rows (at most {@code maxBatch}) whose input {@code input} writes straight
   * into device memory (embedding pooling into their columns, say: no round trip through the
   * host), and writes {@code rows x outputDim} floats to {@code output}.
   *
   * @throws IllegalArgumentException if {@code rows} exceeds {@code maxBatch} or the output is short
   */
  public void forward(int rows, DeviceInput input, MemorySegment output) {
    checkOpen();
    long outRow = (long) network.outputDim() * Float.BYTES;
    if (rows < 0 || rows > maxBatch || output.byteSize() < rows * outRow) {
      throw new IllegalArgumentException("rows=" + rows + " must be in [0, " + maxBatch
          + "] with " + rows * outRow + " output bytes, got " + output.byteSize());
    }
    if (rows == 0) {
      return;
    }
    input.write(ping, rows, stream);
    MemorySegment.copy(run(rows), 0, output, 0, rows * outRow);
  }

  /** Writes a batch's input rows into device memory, on the network's stream. */
  @FunctionalInterface
  public interface DeviceInput {
    /**
     * Enqueues on {@code stream} the writes of rows {@code 0 .. rows} of {@code input}, row-major
     * with {@link DenseNetwork#inputDim()} floats per row; every column of those rows must be written.
     */
    void write(DeviceBuffer input, int rows, CudaStream stream);
  }

  private MemorySegment run(int rows) {
    DeviceBuffer src = ping;
    DeviceBuffer dst = pong;
    for (int i = 0; i < weights.length; i++) {
      layer(i, src, dst, rows);
      DeviceBuffer t = src;
      src = dst;
      dst = t;
    }
    int outDim = network.outputDim();
    if (network.l2Normalize()) {
      cuda.l2Normalize(src.pointer(0), rows, outDim, 1f / network.temperature(), stream.handle());
    }
    src.copyToHost(0, hostOut.segment(), (long) rows * outDim * Float.BYTES, stream);
    stream.synchronize();
    return hostOut.segment();
  }

  private void layer(int i, DeviceBuffer src, DeviceBuffer dst, int rows) {
    DenseLayer l = network.layers().get(i);
    MemorySegment bias = biases[i] == null ? MemorySegment.NULL : biases[i].pointer(0);
    if (gemm == Gemm.KERNEL) {
      cuda.linear(src.pointer(0), rows, l.in(), weights[i].pointer(0), bias, l.out(),
          l.activation().code(), dst.pointer(0), stream.handle());
    } else {
      Cublas.library().linear(blasHandle, src.pointer(0), rows, l.in(), weights[i].pointer(0),
          l.out(), dst.pointer(0), one, zero);
      if (biases[i] != null || l.activation() != Activation.IDENTITY) {
        cuda.biasActivation(dst.pointer(0), rows, l.out(), bias, l.activation().code(),
            stream.handle());
      }
    }
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("GpuMlp is closed");
    }
  }

  /** Frees the device and pinned memory, the cuBLAS handle and the stream; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      RuntimeException first = closeAll(owned, null);
      if (first != null) {
        throw first;
      }
    }
  }

  /** Closes in reverse order of acquisition, every one even if some fail; returns the first failure. */
  private static RuntimeException closeAll(List<AutoCloseable> owned, RuntimeException pending) {
    RuntimeException first = pending;
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
        if (first == null) {
          first = r;
        } else {
          first.addSuppressed(r);
        }
      }
    }
    owned.clear();
    return pending == null ? first : null;
  }
}

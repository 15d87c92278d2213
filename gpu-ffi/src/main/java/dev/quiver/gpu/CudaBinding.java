package dev.quiver.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.quiver.tower.Activation;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Downcall handles into the CUDA runtime and libquiver_gpu, looked up once per loaded library.
 *
 * <p>The runtime's symbols are resolved through the handle of libquiver_gpu, whose dependency on
 * libcudart makes the dynamic linker search it too: Quiver's kernels and its memory calls thus go
 * through the one runtime the kernels were linked against, never a second copy of another version.
 *
 * <p>Every method returns the raw status ({@code cudaError_t}, 0 on success) or checks it and
 * throws {@link CudaException}; pointers are {@link MemorySegment}s of the native address. The
 * handles are immutable and safe to share between threads; what the CUDA calls allow
 * concurrently is CUDA's business.
 */
@SuppressWarnings("restricted") // binds native code; runs with --enable-native-access
final class CudaBinding {
  static final int ABI_VERSION = 2;

  static final int MEMCPY_HOST_TO_DEVICE = 1;
  static final int MEMCPY_DEVICE_TO_HOST = 2;
  private static final int STREAM_NON_BLOCKING = 1;
  private static final int ATTR_CC_MAJOR = 75;
  private static final int ATTR_CC_MINOR = 76;
  private static final int NAME_BYTES = 256;

  private static final FunctionDescriptor INT_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS);
  private static final FunctionDescriptor INT_OF_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT);

  private final MethodHandle getDeviceCount;
  private final MethodHandle setDevice;
  private final MethodHandle driverGetVersion;
  private final MethodHandle runtimeGetVersion;
  private final MethodHandle deviceGetAttribute;
  private final MethodHandle memGetInfo;
  private final MethodHandle malloc;
  private final MethodHandle free;
  private final MethodHandle mallocHost;
  private final MethodHandle freeHost;
  private final MethodHandle memcpyAsync;
  private final MethodHandle streamCreateWithFlags;
  private final MethodHandle streamSynchronize;
  private final MethodHandle streamDestroy;
  private final MethodHandle getErrorName;
  private final MethodHandle abiVersion;
  private final MethodHandle deviceName;
  private final MethodHandle linear;
  private final MethodHandle biasActivation;
  private final MethodHandle embeddingPool;
  private final MethodHandle l2Normalize;

  /** @throws IllegalArgumentException naming the first symbol the library lacks */
  CudaBinding(SymbolLookup lookup) {
    getDeviceCount = find(lookup, "cudaGetDeviceCount", INT_PTR);
    setDevice = find(lookup, "cudaSetDevice", INT_OF_INT);
    driverGetVersion = find(lookup, "cudaDriverGetVersion", INT_PTR);
    runtimeGetVersion = find(lookup, "cudaRuntimeGetVersion", INT_PTR);
    deviceGetAttribute = find(lookup, "cudaDeviceGetAttribute",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    memGetInfo = find(lookup, "cudaMemGetInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    malloc = find(lookup, "cudaMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    free = find(lookup, "cudaFree", INT_PTR);
    mallocHost = find(lookup, "cudaMallocHost", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    freeHost = find(lookup, "cudaFreeHost", INT_PTR);
    memcpyAsync = find(lookup, "cudaMemcpyAsync",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
    streamCreateWithFlags = find(lookup, "cudaStreamCreateWithFlags",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    streamSynchronize = find(lookup, "cudaStreamSynchronize", INT_PTR);
    streamDestroy = find(lookup, "cudaStreamDestroy", INT_PTR);
    getErrorName = find(lookup, "cudaGetErrorName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    abiVersion = find(lookup, "qv_abi_version", FunctionDescriptor.of(JAVA_INT));
    deviceName = find(lookup, "qv_device_name",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    linear = find(lookup, "qv_linear", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
        ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, ADDRESS));
    biasActivation = find(lookup, "qv_bias_activation", FunctionDescriptor.of(JAVA_INT, ADDRESS,
        JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS));
    embeddingPool = find(lookup, "qv_embedding_pool", FunctionDescriptor.of(JAVA_INT, ADDRESS,
        JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    l2Normalize = find(lookup, "qv_l2_normalize",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS));
  }

  static MethodHandle find(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
    MemorySegment symbol = lookup.find(name)
        .orElseThrow(() -> new IllegalArgumentException("symbol " + name + " not found"));
    return Linker.nativeLinker().downcallHandle(symbol, descriptor);
  }

  /** Throws {@link CudaException} naming {@code call} unless {@code status} is cudaSuccess. */
  void check(int status, String call) {
    if (status != 0) {
      throw new CudaException(call, status, errorName(status));
    }
  }

  String errorName(int status) {
    try {
      MemorySegment name = (MemorySegment) getErrorName.invokeExact(status);
      return name.equals(MemorySegment.NULL) ? "cudaError" + status
          : name.reinterpret(NAME_BYTES).getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int abiVersion() {
    try {
      return (int) abiVersion.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** cudaGetDeviceCount's status, the count written to {@code count[0]}. */
  int deviceCount(int[] count) {
    return intOut(getDeviceCount, count);
  }

  /** The driver's CUDA version (e.g. 13000), 0 when no driver is installed. */
  int driverVersion() {
    int[] v = new int[1];
    check(intOut(driverGetVersion, v), "cudaDriverGetVersion");
    return v[0];
  }

  int runtimeVersion() {
    int[] v = new int[1];
    check(intOut(runtimeGetVersion, v), "cudaRuntimeGetVersion");
    return v[0];
  }

  void setDevice(int device) {
    try {
      check((int) setDevice.invokeExact(device), "cudaSetDevice");
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int[] computeCapability(int device) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      check((int) deviceGetAttribute.invokeExact(out, ATTR_CC_MAJOR, device), "cudaDeviceGetAttribute");
      int major = out.get(JAVA_INT, 0);
      check((int) deviceGetAttribute.invokeExact(out, ATTR_CC_MINOR, device), "cudaDeviceGetAttribute");
      return new int[] {major, out.get(JAVA_INT, 0)};
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  String deviceName(int device) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(NAME_BYTES);
      check((int) deviceName.invokeExact(device, buf, NAME_BYTES), "cudaGetDeviceProperties");
      return buf.getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {free, total} bytes of the current device. */
  long[] memInfo() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment free = arena.allocate(JAVA_LONG);
      MemorySegment total = arena.allocate(JAVA_LONG);
      check((int) memGetInfo.invokeExact(free, total), "cudaMemGetInfo");
      return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment malloc(long bytes) {
    return allocate(malloc, bytes, "cudaMalloc");
  }

  void free(MemorySegment pointer) {
    call(free, pointer, "cudaFree");
  }

  MemorySegment mallocHost(long bytes) {
    return allocate(mallocHost, bytes, "cudaMallocHost");
  }

  void freeHost(MemorySegment pointer) {
    call(freeHost, pointer, "cudaFreeHost");
  }

  void memcpyAsync(MemorySegment dst, MemorySegment src, long bytes, int kind, MemorySegment stream) {
    try {
      check((int) memcpyAsync.invokeExact(dst, src, bytes, kind, stream), "cudaMemcpyAsync");
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment streamCreate() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      check((int) streamCreateWithFlags.invokeExact(out, STREAM_NON_BLOCKING),
          "cudaStreamCreateWithFlags");
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void streamSynchronize(MemorySegment stream) {
    call(streamSynchronize, stream, "cudaStreamSynchronize");
  }

  void streamDestroy(MemorySegment stream) {
    call(streamDestroy, stream, "cudaStreamDestroy");
  }

  /** The kernel library's code ({@code QvActivation}) of {@code a}. */
  static int activationCode(Activation a) {
    return switch (a) {
      case NONE -> 0;
      case RELU -> 1;
      case LEAKY_RELU -> 2;
      case SIGMOID -> 3;
      case TANH -> 4;
      case SILU -> 5;
      default -> throw new IllegalArgumentException("activation " + a + " has no device kernel");
    };
  }

  void linear(MemorySegment x, int rows, int in, MemorySegment w, MemorySegment bias, int out,
      int activation, float slope, MemorySegment y, MemorySegment stream) {
    try {
      check((int) linear.invokeExact(x, rows, in, w, bias, out, activation, slope, y, stream),
          "qv_linear");
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void biasActivation(MemorySegment y, int rows, int cols, MemorySegment bias, int activation,
      float slope, MemorySegment stream) {
    try {
      check((int) biasActivation.invokeExact(y, rows, cols, bias, activation, slope, stream),
          "qv_bias_activation");
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void embeddingPool(MemorySegment table, int dim, MemorySegment ids, MemorySegment offsets,
      int bags, int mode, MemorySegment out, int ld, MemorySegment stream) {
    try {
      check((int) embeddingPool.invokeExact(table, dim, ids, offsets, bags, mode, out, ld, stream),
          "qv_embedding_pool");
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void l2Normalize(MemorySegment y, int rows, int cols, float scale, MemorySegment stream) {
    try {
      check((int) l2Normalize.invokeExact(y, rows, cols, scale, stream), "qv_l2_normalize");
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static int intOut(MethodHandle handle, int[] out) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(JAVA_INT);
      int status = (int) handle.invokeExact(value);
      out[0] = value.get(JAVA_INT, 0);
      return status;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private MemorySegment allocate(MethodHandle handle, long bytes, String call) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      check((int) handle.invokeExact(out, bytes), call);
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private void call(MethodHandle handle, MemorySegment pointer, String call) {
    try {
      check((int) handle.invokeExact(pointer), call);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }
}

package dev.quiver.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Optional binding of cuBLAS's {@code cublasSgemm}, for dense layers where NVIDIA's tuned GEMM
 * beats Quiver's own tiled kernel. cuBLAS is not needed to build or run Quiver: when it is not
 * found, {@link GpuMlp} uses its kernel and {@link #reason()} says why.
 *
 * <p>The library is {@code -Dquiver.gpu.cublas=PATH} when set (e.g. the copy inside a PyTorch
 * installation, {@code site-packages/nvidia/cublas/lib/libcublas.so.12}), else the first of
 * libcublas.so.13, .12 or .so the dynamic linker finds. cuBLAS links its own runtime statically;
 * device pointers and streams are the driver's, so they are shared with libquiver_gpu's runtime.
 * The handles are immutable and thread-safe; a cuBLAS handle ({@link #create}) is not.
 */
@SuppressWarnings("restricted") // binds native code; runs with --enable-native-access
public final class Cublas {
  /** System property naming libcublas explicitly. */
  public static final String LIBRARY_PROPERTY = "quiver.gpu.cublas";

  private static final String[] NAMES = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  static final int OP_N = 0;
  static final int OP_T = 1;

  private final String reason;
  private final MethodHandle create;
  private final MethodHandle destroy;
  private final MethodHandle setStream;
  private final MethodHandle sgemm;
  private final MethodHandle statusName;

  private static final class Default {
    static final Cublas INSTANCE = load();
  }

  private Cublas(String reason, SymbolLookup lookup) {
    this.reason = reason;
    if (lookup == null) {
      create = destroy = setStream = sgemm = statusName = null;
      return;
    }
    create = CudaBinding.find(lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    destroy = CudaBinding.find(lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    setStream = CudaBinding.find(lookup, "cublasSetStream_v2",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    sgemm = CudaBinding.find(lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS,
        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
        JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    statusName = CudaBinding.find(lookup, "cublasGetStatusName",
        FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  /** The process-wide binding, loaded on first use; never throws. */
  public static Cublas library() {
    return Default.INSTANCE;
  }

  private static Cublas load() {
    String path = System.getProperty(LIBRARY_PROPERTY);
    if (path != null && !path.isBlank()) {
      return bind(path, () -> SymbolLookup.libraryLookup(Path.of(path), Arena.global()));
    }
    StringBuilder tried = new StringBuilder();
    for (String name : NAMES) {
      Cublas c = bind(name, () -> SymbolLookup.libraryLookup(name, Arena.global()));
      if (c.available()) {
        return c;
      }
      tried.append(tried.isEmpty() ? "" : "; ").append(c.reason);
    }
    return new Cublas(tried.toString(), null);
  }

  private static Cublas bind(String name, java.util.function.Supplier<SymbolLookup> lookup) {
    try {
      return new Cublas(null, lookup.get());
    } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
      return new Cublas("cannot load " + name + ": " + e.getMessage(), null);
    }
  }

  /** Whether cublasSgemm can be called. */
  public boolean available() {
    return reason == null;
  }

  /** Why cuBLAS is unavailable; null when it is available. */
  public String reason() {
    return reason;
  }

  /** Creates a cuBLAS handle whose work goes to {@code stream}. */
  MemorySegment create(CudaStream stream) {
    if (!available()) {
      throw new IllegalStateException("cuBLAS is unavailable: " + reason);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      check((int) create.invokeExact(out), "cublasCreate");
      MemorySegment handle = out.get(ADDRESS, 0);
      int status = (int) setStream.invokeExact(handle, stream.handle());
      if (status != 0) {
        int ignored = (int) destroy.invokeExact(handle);
        check(status, "cublasSetStream");
      }
      return handle;
    } catch (Throwable t) {
      throw CudaBinding.rethrow(t);
    }
  }

  void destroy(MemorySegment handle) {
    try {
      check((int) destroy.invokeExact(handle), "cublasDestroy");
    } catch (Throwable t) {
      throw CudaBinding.rethrow(t);
    }
  }

  /**
   * Row-major {@code y[rows][out] = x[rows][in] w[out][in]^T}: in cuBLAS's column-major terms,
   * {@code Y^T = op_T(W^T) X^T}, so W is read transposed and nothing is copied.
   * {@code one} and {@code zero} hold the float scalars alpha = 1 and beta = 0 in host memory.
   */
  void linear(MemorySegment handle, MemorySegment x, int rows, int in, MemorySegment w, int out,
      MemorySegment y, MemorySegment one, MemorySegment zero) {
    try {
      check((int) sgemm.invokeExact(handle, OP_T, OP_N, out, rows, in, one, w, in, x, in, zero, y,
          out), "cublasSgemm");
    } catch (Throwable t) {
      throw CudaBinding.rethrow(t);
    }
  }

  private void check(int status, String call) throws Throwable {
    if (status != 0) {
      MemorySegment name = (MemorySegment) statusName.invokeExact(status);
      throw new CudaException(call, status, name.equals(MemorySegment.NULL) ? "cublasStatus" + status
          : name.reinterpret(64).getString(0));
    }
  }
}

package dev.quiver.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Entry point to the GPU: loads libquiver_gpu (and through it the CUDA runtime), binds it, and
 * says whether a device can be used and, if not, why.
 *
 * <p>Loading never throws: a missing library, a library that does not load, a missing driver or
 * no device each give an unavailable {@code Cuda} whose {@link #status()} and {@link #reason()}
 * say which (the reason carries the CUDA error name, e.g. {@code cudaErrorInsufficientDriver}).
 * Objects that need the device ({@link DeviceBuffer}, {@link CudaStream}, {@link GpuMlp}, ...)
 * refuse an unavailable one with an {@link IllegalStateException} naming the reason.
 *
 * <p>The library comes from {@code -Dquiver.gpu.library=PATH} when set, else from this jar (where
 * the build puts it when {@code nvcc} is present), extracted to a temporary file when the jar is
 * not unpacked. Quiver uses device 0. Instances are immutable and thread-safe.
 */
@SuppressWarnings("restricted") // binds native code; runs with --enable-native-access
public final class Cuda {
  /** System property naming libquiver_gpu.so explicitly. */
  public static final String LIBRARY_PROPERTY = "quiver.gpu.library";

  private static final String RESOURCE = "native/libquiver_gpu.so";
  private static final int ERROR_NO_DEVICE = 100;
  private static final int DEVICE = 0;

  /** Why the GPU can or cannot be used. */
  public enum Status {
    /** The library is bound and device 0 is usable. */
    AVAILABLE,
    /** libquiver_gpu.so was not built or not found. */
    LIBRARY_MISSING,
    /** The library exists but does not load or bind (libcudart missing, wrong ABI version). */
    LIBRARY_INVALID,
    /** The runtime and driver work but report no CUDA device. */
    NO_DEVICE,
    /** The runtime cannot reach a driver (none installed, too old) or the driver failed. */
    DRIVER_ERROR
  }

  private final Status status;
  private final String reason;
  private final CudaBinding binding;
  private final int deviceCount;

  private Cuda(Status status, String reason, CudaBinding binding, int deviceCount) {
    this.status = status;
    this.reason = reason;
    this.binding = binding;
    this.deviceCount = deviceCount;
  }

  private static final class Default {
    static final Cuda INSTANCE = loadDefault();
  }

  /** The process-wide runtime, loaded on first use from the property or the jar. */
  public static Cuda runtime() {
    return Default.INSTANCE;
  }

  /** Loads and probes the library at {@code library}; never throws. */
  public static Cuda load(Path library) {
    if (!Files.isRegularFile(library)) {
      return unavailable(Status.LIBRARY_MISSING, library + " does not exist");
    }
    CudaBinding binding;
    try {
      // The global arena keeps the library loaded for the life of the process: device pointers
      // and streams handed out by it must never outlive the code that frees them.
      binding = new CudaBinding(SymbolLookup.libraryLookup(library, Arena.global()));
    } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
      return unavailable(Status.LIBRARY_INVALID, "cannot load " + library + ": " + e.getMessage());
    }
    int abi = binding.abiVersion();
    if (abi != CudaBinding.ABI_VERSION) {
      return unavailable(Status.LIBRARY_INVALID, library + " has ABI version " + abi + ", expected "
          + CudaBinding.ABI_VERSION + " (rebuild gpu-ffi)");
    }
    return probe(binding);
  }

  private static Cuda probe(CudaBinding binding) {
    int[] count = new int[1];
    int error = binding.deviceCount(count);
    if (error != 0) {
      String why = "cudaGetDeviceCount failed: " + binding.errorName(error) + " (" + error + ")"
          + driverNote(binding);
      return new Cuda(error == ERROR_NO_DEVICE ? Status.NO_DEVICE : Status.DRIVER_ERROR, why,
          binding, 0);
    }
    if (count[0] == 0) {
      return new Cuda(Status.NO_DEVICE, "no CUDA device" + driverNote(binding), binding, 0);
    }
    try {
      binding.setDevice(DEVICE);
      int[] cc = binding.computeCapability(DEVICE);
      String why = count[0] + " device(s); using 0: " + binding.deviceName(DEVICE) + ", compute "
          + cc[0] + "." + cc[1] + driverNote(binding);
      return new Cuda(Status.AVAILABLE, why, binding, count[0]);
    } catch (CudaException e) {
      return new Cuda(Status.DRIVER_ERROR, e.getMessage(), binding, count[0]);
    }
  }

  private static String driverNote(CudaBinding binding) {
    try {
      int driver = binding.driverVersion();
      return "; runtime " + version(binding.runtimeVersion())
          + (driver == 0 ? ", no driver" : ", driver " + version(driver));
    } catch (CudaException e) {
      return "";
    }
  }

  private static String version(int v) {
    return v / 1000 + "." + (v % 1000) / 10;
  }

  private static Cuda loadDefault() {
    String path = System.getProperty(LIBRARY_PROPERTY);
    if (path != null && !path.isBlank()) {
      return load(Path.of(path));
    }
    URL url = Cuda.class.getResource(RESOURCE);
    if (url == null) {
      return unavailable(Status.LIBRARY_MISSING, "libquiver_gpu.so is not packaged (nvcc was absent"
          + " when gpu-ffi was built); set -D" + LIBRARY_PROPERTY + "=PATH");
    }
    try {
      return load(localCopy(url));
    } catch (IOException | URISyntaxException e) {
      return unavailable(Status.LIBRARY_MISSING, "cannot extract " + url + ": " + e);
    }
  }

  /** The library as a file: itself when unpacked, else a temporary copy deleted on exit. */
  static Path localCopy(URL url) throws IOException, URISyntaxException {
    if ("file".equals(url.getProtocol())) {
      return Path.of(url.toURI());
    }
    Path file = Files.createTempFile("libquiver_gpu", ".so");
    file.toFile().deleteOnExit();
    try (InputStream in = url.openStream()) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }

  private static Cuda unavailable(Status status, String reason) {
    return new Cuda(status, reason, null, 0);
  }

  /** Whether device 0 can run Quiver's kernels. */
  public boolean available() {
    return status == Status.AVAILABLE;
  }

  /** What {@link #reason()} explains. */
  public Status status() {
    return status;
  }

  /** Why the GPU is unavailable, or which device is used. */
  public String reason() {
    return reason;
  }

  /** CUDA devices visible to this process; 0 unless available. */
  public int deviceCount() {
    return deviceCount;
  }

  /** The device in use: its name, compute capability and memory now. */
  public DeviceInfo device() {
    CudaBinding b = binding();
    int[] cc = b.computeCapability(DEVICE);
    long[] mem = b.memInfo();
    return new DeviceInfo(DEVICE, b.deviceName(DEVICE), cc[0], cc[1], mem[0], mem[1]);
  }

  /** Free bytes on the device now (cudaMemGetInfo). */
  public long freeMemory() {
    return binding().memInfo()[0];
  }

  /** The binding, for objects that use the device. */
  CudaBinding binding() {
    if (status != Status.AVAILABLE) {
      throw new IllegalStateException("CUDA is unavailable: " + status + ": " + reason);
    }
    return binding;
  }

  @Override
  public String toString() {
    return "Cuda[" + status + ": " + reason + "]";
  }
}

package dev.quiver.gpu;

import java.util.Set;

/**
 * A CUDA runtime or cuBLAS call returned an error. Carries the call, the numeric status and its
 * symbolic name ({@code cudaGetErrorName}, e.g. {@code cudaErrorMemoryAllocation}), so that a log
 * line says what failed without a lookup table.
 */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * cudaErrorECCUncorrectable, IllegalAddress, LaunchTimeout, Assert, HardwareStackError,
   * IllegalInstruction, MisalignedAddress, InvalidAddressSpace, InvalidPc, LaunchFailure, Unknown.
   */
  private static final Set<Integer> STICKY = Set.of(214, 700, 702, 710, 714, 715, 716, 717, 718,
      719, 999);

  private final int status;
  private final String errorName;

  /**
   * @param call the function that failed
   * @param status its return value
   * @param errorName the status's symbolic name
   */
  public CudaException(String call, int status, String errorName) {
    super(call + " failed: " + errorName + " (" + status + ")");
    this.status = status;
    this.errorName = errorName;
  }

  /** The numeric status ({@code cudaError_t} or {@code cublasStatus_t}). */
  public int status() {
    return status;
  }

  /**
   * Whether the status is one of CUDA's sticky errors (an illegal address, a failed or timed-out
   * launch, an uncorrectable ECC error, ...): the context is then corrupt and every later call on
   * it fails, so the process cannot use the device again. cuBLAS statuses are never sticky here.
   */
  public boolean sticky() {
    return errorName.startsWith("cuda") && STICKY.contains(status);
  }

  /** The status's symbolic name, e.g. {@code cudaErrorNoDevice}. */
  public String errorName() {
    return errorName;
  }
}

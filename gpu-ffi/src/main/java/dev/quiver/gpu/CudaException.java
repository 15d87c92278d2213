package dev.quiver.gpu;

/**
 * A CUDA runtime or cuBLAS call returned an error. Carries the call, the numeric status and its
 * symbolic name ({@code cudaGetErrorName}, e.g. {@code cudaErrorMemoryAllocation}), so that a log
 * line says what failed without a lookup table.
 */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

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

  /** The status's symbolic name, e.g. {@code cudaErrorNoDevice}. */
  public String errorName() {
    return errorName;
  }
}

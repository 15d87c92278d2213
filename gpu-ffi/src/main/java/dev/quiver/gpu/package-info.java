/**
 * Tower inference on a CUDA GPU from pure Java: Quiver's own kernel library (libquiver_gpu, built
 * from {@code gpu-ffi/native} by nvcc when present) bound with the FFM API, with CPU fallback.
 *
 * <ul>
 *   <li>{@link dev.quiver.gpu.Cuda}: loads and probes the library; says why the GPU is unavailable
 *       (library missing or invalid, no driver, no device) instead of throwing.
 *   <li>{@link dev.quiver.gpu.DeviceBuffer}, {@link dev.quiver.gpu.PinnedBuffer},
 *       {@link dev.quiver.gpu.CudaStream}: device memory, page-locked host memory and streams,
 *       each owned by one Java object and freed by its {@code close()}. Every CUDA status is
 *       checked; a failure is a {@link dev.quiver.gpu.CudaException} carrying the error's name.
 *   <li>{@link dev.quiver.gpu.GpuMlp}: a {@link dev.quiver.gpu.DenseNetwork} uploaded once and run
 *       on batches (own fused GEMM kernel or cuBLAS, {@link dev.quiver.gpu.Cublas});
 *       {@link dev.quiver.gpu.GpuEmbeddingTable}: embedding gather with sum or mean pooling.
 *   <li>{@link dev.quiver.gpu.DynamicBatcher}: gathers concurrent single requests into batches
 *       within a time budget, with per-request CPU fallback when a batch fails.
 * </ul>
 */
package dev.quiver.gpu;

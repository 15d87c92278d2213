// Quiver's CUDA kernels for tower inference, exported with a plain C ABI for the FFM binding
// in dev.quiver.gpu. Every entry point enqueues work on the caller's stream and returns the
// cudaError_t of the launch (cudaGetLastError), so the Java side checks each call; nothing here
// synchronises. Matrices are row-major float32; a dense layer's weights are [out x in], the layout
// of a PyTorch nn.Linear, so that rows of X and rows of W are both contiguous along k.

// With QV_KERNELS_ONLY defined, only the kernels are compiled: emulation/kernel_emulation.cpp
// includes this file to run them on the CPU, where no GPU is present.
#ifndef QV_KERNELS_ONLY
#include <cuda_runtime.h>
#endif
#include <math.h>
#include <stddef.h>
#include <string.h>

#define QV_API extern "C" __attribute__((visibility("default")))

// Bumped whenever a signature below changes; the Java binding refuses any other version.
#define QV_ABI_VERSION 1

enum QvActivation { QV_IDENTITY = 0, QV_RELU = 1, QV_GELU = 2, QV_SIGMOID = 3, QV_TANH = 4 };
enum QvPooling { QV_SUM = 0, QV_MEAN = 1 };

__device__ __forceinline__ float activate(float v, int act) {
  switch (act) {
    case QV_RELU: return fmaxf(v, 0.0f);
    case QV_GELU: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));  // exact (erf) GELU
    case QV_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case QV_TANH: return tanhf(v);
    default: return v;
  }
}

// ---- Dense layer: Y = act(X W^T + b), tiled, bias and activation fused in the epilogue ----------

// 64 x 64 output tile per block of 16 x 16 threads, each thread 4 x 4 outputs strided by 16 so
// that a warp's loads of the W tile and its stores of Y are contiguous. k advances 16 at a time
// through shared memory; the +1 column pad keeps the transposing tile stores free of bank conflicts.
constexpr int TILE_M = 64;
constexpr int TILE_N = 64;
constexpr int TILE_K = 16;
constexpr int THREADS = 256;
static_assert(TILE_M == TILE_N, "one loop loads both tiles");

__global__ void __launch_bounds__(THREADS)
linear_kernel(const float* __restrict__ x, int rows, int in, const float* __restrict__ w,
              const float* __restrict__ bias, int out, int act, float* __restrict__ y) {
  __shared__ float xs[TILE_K][TILE_M + 1];
  __shared__ float ws[TILE_K][TILE_N + 1];
  const int tx = threadIdx.x % 16;
  const int ty = threadIdx.x / 16;
  const int row0 = blockIdx.y * TILE_M;
  const int col0 = blockIdx.x * TILE_N;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < in; k0 += TILE_K) {
#pragma unroll
    for (int i = 0; i < (TILE_M * TILE_K) / THREADS; i++) {
      const int idx = threadIdx.x + i * THREADS;
      const int r = idx / TILE_K;
      const int k = idx % TILE_K;
      const bool inK = k0 + k < in;
      xs[k][r] = (inK && row0 + r < rows) ? x[(size_t)(row0 + r) * in + k0 + k] : 0.0f;
      ws[k][r] = (inK && col0 + r < out) ? w[(size_t)(col0 + r) * in + k0 + k] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < TILE_K; k++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = xs[k][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = ws[k][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const int r = row0 + ty + 16 * i;
    if (r >= rows) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int c = col0 + tx + 16 * j;
      if (c < out) {
        const float v = acc[i][j] + (bias != nullptr ? bias[c] : 0.0f);
        y[(size_t)r * out + c] = activate(v, act);
      }
    }
  }
}

// ---- Bias + activation in place, for products computed by cuBLAS --------------------------------

__global__ void bias_activation_kernel(float* __restrict__ y, size_t n, int cols,
                                       const float* __restrict__ bias, int act) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    const float v = y[i] + (bias != nullptr ? bias[i % cols] : 0.0f);
    y[i] = activate(v, act);
  }
}

// ---- Embedding gather with sum/mean pooling over CSR bags ----------------------------------------

// One warp per bag (blockDim 32 x 4), lanes across the embedding's columns so each table row is
// read contiguously. Bag b holds ids[offsets[b] .. offsets[b+1]); an empty bag pools to zeros.
// The pooled row goes to out + b * ld, so several tables can write side by side into the
// columns of one input matrix (the concatenation of a tower's features).
__global__ void embedding_pool_kernel(const float* __restrict__ table, int dim,
                                      const int* __restrict__ ids, const int* __restrict__ offsets,
                                      int bags, int mode, float* __restrict__ out, int ld) {
  const int b = blockIdx.x * blockDim.y + threadIdx.y;
  if (b >= bags) return;
  const int start = offsets[b];
  const int end = offsets[b + 1];
  const float scale = (mode == QV_MEAN && end > start) ? 1.0f / (float)(end - start) : 1.0f;
  for (int c = threadIdx.x; c < dim; c += 32) {
    float sum = 0.0f;
    for (int p = start; p < end; p++) sum += table[(size_t)ids[p] * dim + c];
    out[(size_t)b * ld + c] = sum * scale;
  }
}

// ---- Row-wise L2 normalisation with a scale (1 / temperature) ------------------------------------

// One warp per row. Like torch.nn.functional.normalize, the norm is clamped below at 1e-12 so a
// zero row stays zero instead of becoming NaN.
__global__ void l2_normalize_kernel(float* __restrict__ y, int rows, int cols, float scale) {
  const int r = blockIdx.x * blockDim.y + threadIdx.y;
  if (r >= rows) return;
  float* row = y + (size_t)r * cols;
  float ss = 0.0f;
  for (int c = threadIdx.x; c < cols; c += 32) ss = fmaf(row[c], row[c], ss);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
  const float f = scale / fmaxf(sqrtf(ss), 1e-12f);
  for (int c = threadIdx.x; c < cols; c += 32) row[c] *= f;
}

// ---- Launch geometry, shared with the CPU emulation so that it runs what the entry points launch --

constexpr int WARPS_PER_BLOCK = 4;  // the pooling and normalisation kernels: one warp per row
constexpr int ELEMENTWISE_THREADS = 256;

static dim3 linear_grid(int rows, int out) {
  return dim3((out + TILE_N - 1) / TILE_N, (rows + TILE_M - 1) / TILE_M);
}

static dim3 warp_rows_block() { return dim3(32, WARPS_PER_BLOCK); }

static dim3 warp_rows_grid(int rows) { return dim3((rows + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK); }

// Grid-stride launches cap their grid; past the cap each thread takes several elements.
static dim3 elementwise_grid(size_t n) {
  const size_t blocks = (n + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS;
  return dim3((unsigned)(blocks < 65535 * 8 ? (blocks > 0 ? blocks : 1) : 65535 * 8));
}

// ---- C ABI ---------------------------------------------------------------------------------------
#ifndef QV_KERNELS_ONLY

QV_API int qv_abi_version(void) { return QV_ABI_VERSION; }

QV_API int qv_device_name(int device, char* buf, int len) {
  cudaDeviceProp prop;
  const cudaError_t e = cudaGetDeviceProperties(&prop, device);
  if (e != cudaSuccess) return (int)e;
  strncpy(buf, prop.name, (size_t)len - 1);
  buf[len - 1] = '\0';
  return (int)cudaSuccess;
}

QV_API int qv_linear(const float* x, int rows, int in, const float* w, const float* bias, int out,
                     int act, float* y, cudaStream_t stream) {
  if (rows == 0 || out == 0) return (int)cudaSuccess;
  const dim3 grid = linear_grid(rows, out);
  if (grid.y > 65535) return (int)cudaErrorInvalidValue;  // more than 4,194,240 rows in one call
  linear_kernel<<<grid, THREADS, 0, stream>>>(x, rows, in, w, bias, out, act, y);
  return (int)cudaGetLastError();
}

QV_API int qv_bias_activation(float* y, int rows, int cols, const float* bias, int act,
                              cudaStream_t stream) {
  const size_t n = (size_t)rows * cols;
  if (n == 0) return (int)cudaSuccess;
  bias_activation_kernel<<<elementwise_grid(n), ELEMENTWISE_THREADS, 0, stream>>>(y, n, cols, bias,
                                                                                  act);
  return (int)cudaGetLastError();
}

QV_API int qv_embedding_pool(const float* table, int dim, const int* ids, const int* offsets,
                             int bags, int mode, float* out, int ld, cudaStream_t stream) {
  if (bags == 0) return (int)cudaSuccess;
  embedding_pool_kernel<<<warp_rows_grid(bags), warp_rows_block(), 0, stream>>>(
      table, dim, ids, offsets, bags, mode, out, ld);
  return (int)cudaGetLastError();
}

QV_API int qv_l2_normalize(float* y, int rows, int cols, float scale, cudaStream_t stream) {
  if (rows == 0) return (int)cudaSuccess;
  l2_normalize_kernel<<<warp_rows_grid(rows), warp_rows_block(), 0, stream>>>(y, rows, cols, scale);
  return (int)cudaGetLastError();
}
#endif  // QV_KERNELS_ONLY

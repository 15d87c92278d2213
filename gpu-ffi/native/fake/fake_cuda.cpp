// A CPU stand-in for a CUDA device, exporting the C ABI the Java binding looks up: the CUDA
// runtime calls it uses, libquiver_gpu's qv_* entry points and cuBLAS's sgemm. Tests load it with
// -Dquiver.gpu.library and -Dquiver.gpu.cublas to run the device tests' Java side (buffer
// ownership, staging, offsets, chunking, layer ping-pong, the row-major cuBLAS call, error
// names, memory accounting) where no GPU is present. It does not test CUDA: the kernels are
// checked by emulation/ and, on a GPU, by the same JUnit tests against the real library.
//
// Stricter than a device where that finds Java bugs: every device pointer and length must lie
// inside one live cudaMalloc allocation, the host side of every copy inside one live
// cudaMallocHost allocation (staging must be pinned), and cudaFree takes only live pointers.
// Work runs synchronously on the calling thread; streams are tokens.

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <map>
#include <mutex>

#define API extern "C" __attribute__((visibility("default")))

namespace {

constexpr int SUCCESS = 0;
constexpr int INVALID_VALUE = 1;
constexpr int MEMORY_ALLOCATION = 2;
constexpr int INVALID_DEVICE = 101;
constexpr size_t TOTAL_BYTES = size_t{1} << 32;  // a 4 GiB device

std::mutex mutex;
std::map<uintptr_t, size_t> device_blocks;
std::map<uintptr_t, size_t> pinned_blocks;
size_t device_used = 0;

// Whether [p, p + bytes) lies inside one block of `blocks`.
bool inside(const std::map<uintptr_t, size_t>& blocks, const void* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = blocks.upper_bound(a);
  if (it == blocks.begin()) return false;
  --it;
  return a >= it->first && a - it->first + bytes <= it->second;
}

bool on_device(const void* p, size_t bytes) { return inside(device_blocks, p, bytes); }
bool pinned(const void* p, size_t bytes) { return inside(pinned_blocks, p, bytes); }

float activate(float v, int act) {
  switch (act) {
    case 1: return fmaxf(v, 0.0f);
    case 2: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case 3: return 1.0f / (1.0f + expf(-v));
    case 4: return tanhf(v);
    default: return v;
  }
}

size_t floats(size_t n) { return n * sizeof(float); }

}  // namespace

// ---- CUDA runtime ---------------------------------------------------------------------------

API int cudaGetDeviceCount(int* count) {
  *count = 1;
  return SUCCESS;
}

API int cudaSetDevice(int device) { return device == 0 ? SUCCESS : INVALID_DEVICE; }

API int cudaDriverGetVersion(int* version) {
  *version = 13000;
  return SUCCESS;
}

API int cudaRuntimeGetVersion(int* version) {
  *version = 13000;
  return SUCCESS;
}

API int cudaDeviceGetAttribute(int* value, int attribute, int device) {
  if (device != 0) return INVALID_DEVICE;
  *value = attribute == 75 ? 9 : 0;  // compute capability 9.0
  return SUCCESS;
}

API const char* cudaGetErrorName(int error) {
  switch (error) {
    case SUCCESS: return "cudaSuccess";
    case INVALID_VALUE: return "cudaErrorInvalidValue";
    case MEMORY_ALLOCATION: return "cudaErrorMemoryAllocation";
    case INVALID_DEVICE: return "cudaErrorInvalidDevice";
    default: return "cudaErrorUnknown";
  }
}

API int cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  *free_bytes = TOTAL_BYTES - device_used;
  *total_bytes = TOTAL_BYTES;
  return SUCCESS;
}

API int cudaMalloc(void** p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  if (bytes == 0 || bytes > TOTAL_BYTES - device_used) return MEMORY_ALLOCATION;
  *p = malloc(bytes);
  if (*p == nullptr) return MEMORY_ALLOCATION;
  device_blocks[reinterpret_cast<uintptr_t>(*p)] = bytes;
  device_used += bytes;
  return SUCCESS;
}

API int cudaFree(void* p) {
  if (p == nullptr) return SUCCESS;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = device_blocks.find(reinterpret_cast<uintptr_t>(p));
  if (it == device_blocks.end()) return INVALID_VALUE;
  device_used -= it->second;
  device_blocks.erase(it);
  free(p);
  return SUCCESS;
}

API int cudaMallocHost(void** p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  *p = malloc(std::max<size_t>(bytes, 1));
  if (*p == nullptr) return MEMORY_ALLOCATION;
  pinned_blocks[reinterpret_cast<uintptr_t>(*p)] = bytes;
  return SUCCESS;
}

API int cudaFreeHost(void* p) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = pinned_blocks.find(reinterpret_cast<uintptr_t>(p));
  if (it == pinned_blocks.end()) return INVALID_VALUE;
  pinned_blocks.erase(it);
  free(p);
  return SUCCESS;
}

API int cudaMemcpyAsync(void* dst, const void* src, size_t bytes, int kind, void*) {
  // Quiver copies only between pinned host memory and the device.
  const bool ok = kind == 1   ? on_device(dst, bytes) && pinned(src, bytes)
                  : kind == 2 ? pinned(dst, bytes) && on_device(src, bytes)
                              : false;
  if (!ok) return INVALID_VALUE;
  memcpy(dst, src, bytes);
  return SUCCESS;
}

API int cudaStreamCreateWithFlags(void** stream, unsigned) {
  *stream = malloc(1);
  return SUCCESS;
}

API int cudaStreamSynchronize(void* stream) { return stream != nullptr ? SUCCESS : INVALID_VALUE; }

API int cudaStreamDestroy(void* stream) {
  free(stream);
  return SUCCESS;
}

// ---- libquiver_gpu ----------------------------------------------------------------------------

API int qv_abi_version(void) { return 1; }

API int qv_device_name(int device, char* buf, int len) {
  if (device != 0) return INVALID_DEVICE;
  snprintf(buf, (size_t)len, "Quiver fake CUDA device (CPU)");
  return SUCCESS;
}

API int qv_linear(const float* x, int rows, int in, const float* w, const float* bias, int out,
                  int act, float* y, void*) {
  if (rows == 0 || out == 0) return SUCCESS;
  if (!on_device(x, floats((size_t)rows * in)) || !on_device(w, floats((size_t)out * in)) ||
      (bias != nullptr && !on_device(bias, floats(out))) ||
      !on_device(y, floats((size_t)rows * out))) {
    return INVALID_VALUE;
  }
  for (int r = 0; r < rows; r++) {
    for (int o = 0; o < out; o++) {
      float acc = 0;
      for (int k = 0; k < in; k++) acc += x[(size_t)r * in + k] * w[(size_t)o * in + k];
      y[(size_t)r * out + o] = activate(acc + (bias != nullptr ? bias[o] : 0.0f), act);
    }
  }
  return SUCCESS;
}

API int qv_bias_activation(float* y, int rows, int cols, const float* bias, int act, void*) {
  const size_t n = (size_t)rows * cols;
  if (n == 0) return SUCCESS;
  if (!on_device(y, floats(n)) || (bias != nullptr && !on_device(bias, floats(cols)))) {
    return INVALID_VALUE;
  }
  for (size_t i = 0; i < n; i++) y[i] = activate(y[i] + (bias != nullptr ? bias[i % cols] : 0.0f), act);
  return SUCCESS;
}

API int qv_embedding_pool(const float* table, int dim, const int* ids, const int* offsets,
                          int bags, int mode, float* out, int ld, void*) {
  if (bags == 0) return SUCCESS;
  if (!on_device(offsets, sizeof(int) * (bags + 1)) ||
      !on_device(out, floats((size_t)(bags - 1) * ld + dim))) {
    return INVALID_VALUE;
  }
  for (int b = 0; b < bags; b++) {
    const int start = offsets[b], end = offsets[b + 1];
    if (end > start && !on_device(ids + start, sizeof(int) * (end - start))) return INVALID_VALUE;
    for (int p = start; p < end; p++) {
      if (!on_device(table + (size_t)ids[p] * dim, floats(dim))) return INVALID_VALUE;
    }
    const float scale = (mode == 1 && end > start) ? 1.0f / (float)(end - start) : 1.0f;
    for (int c = 0; c < dim; c++) {
      float sum = 0;
      for (int p = start; p < end; p++) sum += table[(size_t)ids[p] * dim + c];
      out[(size_t)b * ld + c] = sum * scale;
    }
  }
  return SUCCESS;
}

API int qv_l2_normalize(float* y, int rows, int cols, float scale, void*) {
  if (rows == 0) return SUCCESS;
  if (!on_device(y, floats((size_t)rows * cols))) return INVALID_VALUE;
  for (int r = 0; r < rows; r++) {
    float* row = y + (size_t)r * cols;
    float ss = 0;
    for (int c = 0; c < cols; c++) ss += row[c] * row[c];
    const float f = scale / fmaxf(sqrtf(ss), 1e-12f);
    for (int c = 0; c < cols; c++) row[c] *= f;
  }
  return SUCCESS;
}

// ---- cuBLAS ---------------------------------------------------------------------------------

API int cublasCreate_v2(void** handle) {
  *handle = malloc(1);
  return 0;
}

API int cublasDestroy_v2(void* handle) {
  free(handle);
  return 0;
}

API int cublasSetStream_v2(void*, void* stream) { return stream != nullptr ? 0 : 7; }

API const char* cublasGetStatusName(int status) {
  return status == 0 ? "CUBLAS_STATUS_SUCCESS" : status == 7 ? "CUBLAS_STATUS_INVALID_VALUE"
                                                             : "CUBLAS_STATUS_INTERNAL_ERROR";
}

// Column-major C (m x n, ldc) = alpha op(A) op(B) + beta C, as cuBLAS defines it, with A, B and C
// required on the device at the extents their leading dimensions imply.
API int cublasSgemm_v2(void*, int transa, int transb, int m, int n, int k, const float* alpha,
                       const float* a, int lda, const float* b, int ldb, const float* beta, float* c,
                       int ldc) {
  const int a_cols = transa == 0 ? k : m;
  const int b_cols = transb == 0 ? n : k;
  if (lda < (transa == 0 ? m : k) || ldb < (transb == 0 ? k : n) || ldc < m ||
      !on_device(a, floats((size_t)lda * a_cols)) || !on_device(b, floats((size_t)ldb * b_cols)) ||
      !on_device(c, floats((size_t)ldc * n))) {
    return 7;
  }
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      float acc = 0;
      for (int p = 0; p < k; p++) {
        const float av = transa == 0 ? a[i + (size_t)p * lda] : a[p + (size_t)i * lda];
        const float bv = transb == 0 ? b[p + (size_t)j * ldb] : b[j + (size_t)p * ldb];
        acc += av * bv;
      }
      float& out = c[i + (size_t)j * ldc];
      out = *alpha * acc + (*beta == 0.0f ? 0.0f : *beta * out);
    }
  }
  return 0;
}

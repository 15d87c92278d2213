// Runs the kernels of quiver_gpu.cu on the CPU against a double-precision reference, so that
// their indexing (tiles, odd tails, strides, pooling bags, warp reductions) is tested on machines
// without a GPU. Each CUDA thread of a block is a std::thread; __syncthreads is a std::barrier,
// from which a thread drops out when it returns (as an exited GPU thread no longer takes part);
// __shfl_xor_sync exchanges through a block-wide buffer between two barriers. Blocks run one at a
// time, so __shared__ arrays can be statics. Timing, memory coalescing and float rounding order
// are the CPU's, so this checks results, not speed. Exit status 0 when every kernel matches.

#include <barrier>
#include <math.h>
#include <stdio.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

struct dim3 {
  unsigned x, y, z;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};

static thread_local dim3 threadIdx;
static thread_local dim3 blockIdx;
static dim3 blockDim;
static dim3 gridDim;
static std::barrier<>* block_barrier;
static float lane_values[1024];

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(threads)
#define __restrict__
#define __shared__ static
#define __syncthreads() block_barrier->arrive_and_wait()

static float __shfl_xor_sync(unsigned, float value, int mask) {
  const int t = threadIdx.x + threadIdx.y * blockDim.x;
  lane_values[t] = value;
  block_barrier->arrive_and_wait();
  const float other = lane_values[(t & ~31) | ((t & 31) ^ mask)];
  block_barrier->arrive_and_wait();
  return other;
}

#define QV_KERNELS_ONLY
#include "../quiver_gpu.cu"

template <class Kernel>
static void launch(dim3 grid, dim3 block, Kernel kernel) {
  gridDim = grid;
  blockDim = block;
  const int threads = block.x * block.y;
  for (unsigned by = 0; by < grid.y; by++) {
    for (unsigned bx = 0; bx < grid.x; bx++) {
      std::barrier<> barrier(threads);
      block_barrier = &barrier;
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; t++) {
        pool.emplace_back([&, t] {
          blockIdx = dim3(bx, by);
          threadIdx = dim3(t % block.x, t / block.x);
          kernel();
          barrier.arrive_and_drop();
        });
      }
      for (auto& th : pool) th.join();
    }
  }
}

static std::mt19937 rng(20261122);

static std::vector<float> gaussian(size_t n, double scale = 1) {
  std::normal_distribution<float> g(0, (float)scale);
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

static double activate_ref(double v, int act) {
  switch (act) {
    case QV_RELU: return std::max(v, 0.0);
    case QV_GELU: return 0.5 * v * (1 + erf(v / sqrt(2.0)));
    case QV_SIGMOID: return 1 / (1 + exp(-v));
    case QV_TANH: return tanh(v);
    default: return v;
  }
}

static bool check(const char* what, double got, double want, double tolerance) {
  if (fabs(got - want) <= tolerance) return true;
  printf("%s: got %.9g, want %.9g\n", what, got, want);
  return false;
}

// Shapes straddle the 64 x 64 tiles and the 16-wide k steps: one row, exact tiles, tails of 1.
static bool linear_matches() {
  const int shapes[][3] = {{1, 37, 129}, {64, 16, 64}, {65, 129, 65}, {70, 17, 31}, {3, 416, 70},
                           {130, 5, 1}};
  for (const auto& s : shapes) {
    for (int act = QV_IDENTITY; act <= QV_TANH; act++) {
      const int rows = s[0], in = s[1], out = s[2];
      std::vector<float> x = gaussian((size_t)rows * in), w = gaussian((size_t)out * in, 1 / sqrt(in));
      std::vector<float> b = gaussian(out), y((size_t)rows * out, NAN);
      const float* bias = act == QV_GELU ? nullptr : b.data();  // one case without bias
      launch(linear_grid(rows, out), dim3(THREADS),
             [&] { linear_kernel(x.data(), rows, in, w.data(), bias, out, act, y.data()); });
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < out; o++) {
          double acc = bias != nullptr ? bias[o] : 0;
          for (int k = 0; k < in; k++) acc += (double)x[(size_t)r * in + k] * w[(size_t)o * in + k];
          const double want = activate_ref(acc, act);
          if (!check("linear", y[(size_t)r * out + o], want, 1e-4 * std::max(1.0, fabs(want)))) {
            printf("  rows=%d in=%d out=%d activation=%d at [%d][%d]\n", rows, in, out, act, r, o);
            return false;
          }
        }
      }
    }
  }
  return true;
}

// Once with the entry point's geometry, once with 2 x 32 threads for 91 elements, so that the
// grid-stride loop takes several elements per thread.
static bool bias_activation_matches() {
  const int rows = 7, cols = 13;
  const size_t n = (size_t)rows * cols;
  const dim3 geometries[][2] = {{elementwise_grid(n), dim3(ELEMENTWISE_THREADS)}, {dim3(2), dim3(32)}};
  for (const auto& g : geometries) {
    std::vector<float> y = gaussian(n), b = gaussian(cols);
    const std::vector<float> before = y;
    launch(g[0], g[1], [&] { bias_activation_kernel(y.data(), n, cols, b.data(), QV_SIGMOID); });
    for (size_t i = 0; i < n; i++) {
      const double want = activate_ref((double)before[i] + b[i % cols], QV_SIGMOID);
      if (!check("bias_activation", y[i], want, 1e-6)) return false;
    }
  }
  return true;
}

// Bags of 0 to 6 ids, written at a column offset inside wider rows: other columns stay as they were.
static bool embedding_pool_matches() {
  const int table_rows = 50, dim = 37, bags = 11, ld = 45, column = 3;
  const std::vector<float> table = gaussian((size_t)table_rows * dim);
  std::vector<int> offsets(bags + 1, 0), ids;
  for (int b = 0; b < bags; b++) {
    const int n = (int)(rng() % 7);
    for (int i = 0; i < n; i++) ids.push_back((int)(rng() % table_rows));
    offsets[b + 1] = (int)ids.size();
  }
  for (int mode = QV_SUM; mode <= QV_MEAN; mode++) {
    std::vector<float> out((size_t)bags * ld, 7.0f);
    launch(warp_rows_grid(bags), warp_rows_block(), [&] {
      embedding_pool_kernel(table.data(), dim, ids.data(), offsets.data(), bags, mode,
                            out.data() + column, ld);
    });
    for (int b = 0; b < bags; b++) {
      const int n = offsets[b + 1] - offsets[b];
      for (int c = 0; c < ld; c++) {
        double want = 7.0;
        if (c >= column && c < column + dim) {
          want = 0;
          for (int p = offsets[b]; p < offsets[b + 1]; p++) want += table[(size_t)ids[p] * dim + c - column];
          if (mode == QV_MEAN && n > 0) want /= n;
        }
        if (!check("embedding_pool", out[(size_t)b * ld + c], want, 1e-5)) {
          printf("  mode=%d bag=%d column=%d\n", mode, b, c);
          return false;
        }
      }
    }
  }
  return true;
}

// Rows not a multiple of the 4 per block (the last block's spare warps return early), wider than a
// warp, and one zero row, which must stay zero.
static bool l2_normalize_matches() {
  const int rows = 10, cols = 37;
  const float scale = 1 / 0.07f;
  std::vector<float> y = gaussian(rows * cols);
  std::fill(y.begin() + 2 * cols, y.begin() + 3 * cols, 0.0f);
  const std::vector<float> before = y;
  launch(warp_rows_grid(rows), warp_rows_block(),
         [&] { l2_normalize_kernel(y.data(), rows, cols, scale); });
  for (int r = 0; r < rows; r++) {
    double ss = 0;
    for (int c = 0; c < cols; c++) ss += (double)before[r * cols + c] * before[r * cols + c];
    const double f = scale / std::max(sqrt(ss), 1e-12);
    for (int c = 0; c < cols; c++) {
      if (!check("l2_normalize", y[r * cols + c], before[r * cols + c] * f, 1e-4 * scale)) return false;
    }
  }
  return true;
}

int main() {
  const bool ok = linear_matches() && bias_activation_matches() && embedding_pool_matches() &&
                  l2_normalize_matches();
  printf("[gpu-ffi] kernel emulation: %s\n", ok ? "all kernels match the reference" : "MISMATCH");
  return ok ? 0 : 1;
}

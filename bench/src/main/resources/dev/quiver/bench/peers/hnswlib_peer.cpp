// hnswlib peer of the Quiver sweep.
//
// Reads the sweep's .fvecs files, builds an hnswlib HNSW index (inner-product space for ip and
// cosine, cosine normalising both sides first; L2 space for l2), then for each efSearch runs the
// queries in the sweep's mode (one query per call on one or T threads, or batches of B queries
// split over T threads) timing each query, and writes per setting the ids found (.ivecs) and the
// latencies (little-endian int64 nanoseconds), then one tab-separated RESULT line (PeerProtocol).
// Each --filter LABEL=PATH (one byte per base row, 1 = allowed) then runs every efSearch again
// with only the allowed rows as results. This hnswlib (0.6) has no filter functor; its delete
// marks are the same walk: marked nodes steer the search and are kept out of the results, and the
// mark sits in the neighbour list's header, which the walk reads anyway.
// Errors end with "error: ..." and exit status 3.
//
// Build: g++ -O3 -march=native -std=c++17 -pthread hnswlib_peer.cpp (headers of libhnswlib-dev).

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string metric, base, query, out;
  size_t k = 10, queries = 0, threads = 1, build_threads = 0, batch = 0, m = 16, ef_construction = 200;
  std::vector<size_t> efs;
  std::vector<std::pair<std::string, std::string>> filters;  // label, path
  double warmup_s = 10;
};

struct Matrix {
  size_t rows = 0, dim = 0;
  std::vector<float> data;
  const float* row(size_t i) const { return data.data() + i * dim; }
};

[[noreturn]] void fail(const std::string& why) { throw std::runtime_error(why); }

size_t to_size(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < 0) fail(flag + " needs a non-negative integer, got '" + v + "'");
  return static_cast<size_t>(x);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    std::string flag = argv[i];
    if (i + 1 >= argc) fail("option " + flag + " needs a value");
    std::string v = argv[++i];
    if (flag == "--metric") a.metric = v;
    else if (flag == "--base") a.base = v;
    else if (flag == "--query") a.query = v;
    else if (flag == "--out") a.out = v;
    else if (flag == "--k") a.k = to_size(flag, v);
    else if (flag == "--queries") a.queries = to_size(flag, v);
    else if (flag == "--threads") a.threads = to_size(flag, v);
    else if (flag == "--build-threads") a.build_threads = to_size(flag, v);
    else if (flag == "--batch") a.batch = to_size(flag, v);
    else if (flag == "--M") a.m = to_size(flag, v);
    else if (flag == "--ef-construction") a.ef_construction = to_size(flag, v);
    else if (flag == "--warmup-s") a.warmup_s = std::atof(v.c_str());
    else if (flag == "--filter") {
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0) fail("--filter needs LABEL=PATH, got '" + v + "'");
      a.filters.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    }
    else if (flag == "--ef") {
      std::stringstream ss(v);
      for (std::string e; std::getline(ss, e, ',');) a.efs.push_back(to_size(flag, e));
    } else fail("unknown option " + flag);
  }
  if (a.metric != "ip" && a.metric != "cosine" && a.metric != "l2") fail("unknown metric '" + a.metric + "'");
  if (a.base.empty() || a.query.empty() || a.out.empty() || a.efs.empty()) fail("--base, --query, --out and --ef are required");
  if (a.k == 0 || a.threads == 0 || a.m == 0) fail("--k, --threads and --M must be positive");
  if (a.build_threads == 0) a.build_threads = a.threads;
  return a;
}

Matrix read_fvecs(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path);
  Matrix m;
  int32_t d = 0;
  std::vector<float> row;
  while (in.read(reinterpret_cast<char*>(&d), sizeof d)) {
    if (m.rows == 0) {
      if (d <= 0) fail(path + ": bad dimension " + std::to_string(d));
      m.dim = static_cast<size_t>(d);
      row.resize(m.dim);
    } else if (static_cast<size_t>(d) != m.dim) {
      fail(path + ": row " + std::to_string(m.rows) + " has dimension " + std::to_string(d));
    }
    if (!in.read(reinterpret_cast<char*>(row.data()), m.dim * sizeof(float))) fail(path + ": truncated row");
    m.data.insert(m.data.end(), row.begin(), row.end());
    if (++m.rows == limit) break;
  }
  if (m.rows == 0) fail(path + " is empty");
  return m;
}

void normalise(Matrix& m) {
  for (size_t i = 0; i < m.rows; i++) {
    float* r = m.data.data() + i * m.dim;
    double sq = 0;
    for (size_t j = 0; j < m.dim; j++) sq += double(r[j]) * r[j];
    if (sq > 0) {
      float inv = float(1 / std::sqrt(sq));
      for (size_t j = 0; j < m.dim; j++) r[j] *= inv;
    }
  }
}

// Runs fn(i) for i in [from, to) on `threads` threads, each taking the next i.
void parallel_for(size_t from, size_t to, size_t threads, const std::function<void(size_t)>& fn) {
  if (threads <= 1 || to - from <= 1) {
    for (size_t i = from; i < to; i++) fn(i);
    return;
  }
  std::atomic<size_t> next(from);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; t++) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < to; i = next++) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

class Runner {
 public:
  Runner(const hnswlib::HierarchicalNSW<float>& index, const Matrix& q, const Args& a)
      : index_(index), q_(q), a_(a), ids_(q.rows * a.k), lat_(q.rows) {}

  // One pass over the queries; stops early (warm-up) once `deadline` has passed.
  double run(Clock::time_point deadline = Clock::time_point::max()) {
    auto start = Clock::now();
    if (a_.batch > 0) {
      for (size_t s = 0; s < q_.rows && Clock::now() < deadline; s += a_.batch) {
        size_t e = std::min(q_.rows, s + a_.batch);
        auto t0 = Clock::now();
        parallel_for(s, e, a_.threads, [&](size_t i) { search(i); });
        int64_t each = std::max<int64_t>(1, nanos(Clock::now() - t0) / int64_t(e - s));
        for (size_t i = s; i < e; i++) lat_[i] = each;
      }
    } else {
      parallel_for(0, q_.rows, a_.threads, [&](size_t i) {
        if (Clock::now() >= deadline) return;
        auto t0 = Clock::now();
        search(i);
        lat_[i] = nanos(Clock::now() - t0);
      });
    }
    return nanos(Clock::now() - start) / 1e9;
  }

  const std::vector<int32_t>& ids() const { return ids_; }
  const std::vector<int64_t>& latencies() const { return lat_; }

 private:
  static int64_t nanos(Clock::duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

  void search(size_t i) {
    auto found = index_.searchKnn(q_.row(i), a_.k);  // farthest on top
    int32_t* out = ids_.data() + i * a_.k;
    std::fill(out, out + a_.k, -1);
    for (size_t r = found.size(); r > 0; r--) {
      out[r - 1] = static_cast<int32_t>(found.top().second);
      found.pop();
    }
  }

  const hnswlib::HierarchicalNSW<float>& index_;
  const Matrix& q_;
  const Args& a_;
  std::vector<int32_t> ids_;
  std::vector<int64_t> lat_;
};

void write_ivecs(const std::string& path, const std::vector<int32_t>& ids, size_t k) {
  std::ofstream out(path, std::ios::binary);
  int32_t dim = static_cast<int32_t>(k);
  for (size_t i = 0; i < ids.size() / k; i++) {
    out.write(reinterpret_cast<const char*>(&dim), sizeof dim);
    out.write(reinterpret_cast<const char*>(ids.data() + i * k), k * sizeof(int32_t));
  }
  if (!out) fail("cannot write " + path);
}

void write_i64(const std::string& path, const std::vector<int64_t>& values) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t));
  if (!out) fail("cannot write " + path);
}

std::vector<char> read_allowed(const std::string& path, size_t rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path);
  std::vector<char> allowed(rows);
  if (!in.read(allowed.data(), rows) || in.peek() != EOF) {
    fail(path + ": expected " + std::to_string(rows) + " bytes, one per base row");
  }
  return allowed;
}

// Marks (mark = true) or unmarks the rows that `allowed` rejects.
void mark_rejected(hnswlib::HierarchicalNSW<float>& index, const std::vector<char>& allowed, bool mark) {
  for (size_t i = 0; i < allowed.size(); i++) {
    if (!allowed[i]) {
      if (mark) index.markDelete(i);
      else index.unmarkDelete(i);
    }
  }
}

// Bytes hnswlib holds for the graph and vectors: level-0 block plus the upper-level link lists.
size_t index_bytes(const hnswlib::HierarchicalNSW<float>& index) {
  size_t bytes = index.cur_element_count * index.size_data_per_element_;
  for (size_t i = 0; i < index.cur_element_count; i++) {
    bytes += index.size_links_per_element_ * static_cast<size_t>(std::max(0, index.element_levels_[i]));
  }
  return bytes;
}

int run(int argc, char** argv) {
  Args a = parse(argc, argv);
  Matrix base = read_fvecs(a.base, 0);
  Matrix queries = read_fvecs(a.query, a.queries);
  if (queries.dim != base.dim) fail("query dimension " + std::to_string(queries.dim) + " differs from base dimension " + std::to_string(base.dim));
  if (a.metric == "cosine") {
    normalise(base);
    normalise(queries);
  }
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  if (a.metric == "l2") space.reset(new hnswlib::L2Space(base.dim));
  else space.reset(new hnswlib::InnerProductSpace(base.dim));

  hnswlib::HierarchicalNSW<float> index(space.get(), base.rows, a.m, a.ef_construction);
  auto t0 = Clock::now();
  index.addPoint(base.row(0), 0);  // the first point alone, as hnswlib's own bindings do
  parallel_for(1, base.rows, a.build_threads, [&](size_t i) { index.addPoint(base.row(i), i); });
  double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::string build_params = "M=" + std::to_string(a.m) + ",efConstruction=" + std::to_string(a.ef_construction);
  std::printf("hnswlib (header-only, -O3 -march=native): built HNSW %s over %zu x %zu in %.2f s on %zu threads\n",
              build_params.c_str(), base.rows, base.dim, build_s, a.build_threads);

  Runner runner(index, queries, a);
  auto sweep = [&](const std::string& label, const std::string& tag) {
    for (size_t n = 0; n < a.efs.size(); n++) {
      index.setEf(a.efs[n]);  // hnswlib's ef is shared state: set between settings, never during
      if (n == 0) {
        auto deadline = Clock::now() + std::chrono::nanoseconds(int64_t(a.warmup_s * 1e9));
        while (Clock::now() < deadline) runner.run(deadline);
      }
      double wall = runner.run();
      std::string stem = a.out + "/hnswlib-hnsw-" + tag + std::to_string(n);
      write_ivecs(stem + ".ivecs", runner.ids(), a.k);
      write_i64(stem + ".lat", runner.latencies());
      std::printf("RESULT\tindex=hnswlib-hnsw\tbuild_params=%s\tsearch_params=efSearch=%zu\tbuild_s=%.6f\t"
                  "index_bytes=%zu\tqueries=%zu\twall_s=%.9f\tids=%s.ivecs\tlatencies=%s.lat%s\n",
                  build_params.c_str(), a.efs[n], build_s, index_bytes(index), queries.rows, wall,
                  stem.c_str(), stem.c_str(), label.empty() ? "" : ("\tfilter=" + label).c_str());
      std::fflush(stdout);
    }
  };
  sweep("", "");
  for (size_t f = 0; f < a.filters.size(); f++) {
    std::vector<char> allowed = read_allowed(a.filters[f].second, base.rows);
    mark_rejected(index, allowed, true);
    sweep(a.filters[f].first, "f" + std::to_string(f) + "-");
    mark_rejected(index, allowed, false);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 3;
  }
}

"""FAISS peer of the Quiver sweep.

Reads the sweep's .fvecs files, builds the FAISS index that matches the sweep's index kind, runs
every search setting in the sweep's mode (one query per call on one or T threads, or batches of B
queries on T threads) and, per setting, writes the ids found (.ivecs) and each query's latency
(little-endian int64 nanoseconds), then prints one tab-separated RESULT line (see PeerProtocol).
Informational lines go to stdout as they are; a request it cannot serve ends with "error: ..." and
exit status 3.
"""

import argparse
import ctypes
import math
import os
import sys
import threading
import time

import numpy as np

try:
    import faiss
except ImportError as e:
    print("error: cannot import faiss (%s); install python3-faiss" % e)
    sys.exit(3)

EF_LADDER = [10, 20, 40, 80, 160, 320, 640]
NPROBE_LADDER = [1, 2, 4, 8, 16, 32, 64, 128]


class PeerError(Exception):
    pass


def faiss_metric(metric):
    return faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT


# Defaults are the engine's own, so that a sweep without build parameters compares like with like.
def default_nlist(n):
    return max(1, min(n, round(4 * math.sqrt(n))))


def default_m(d):
    return d // 4 if d % 4 == 0 else d


def flat_quantizer(d, metric):
    return faiss.IndexFlatL2(d) if metric == "l2" else faiss.IndexFlatIP(d)


def build_flat(d, n, metric, params):
    return flat_quantizer(d, metric)


def build_hnsw(d, n, metric, params):
    index = faiss.IndexHNSWFlat(d, int(params.get("M", 16)), faiss_metric(metric))
    index.hnsw.efConstruction = int(params.get("efConstruction", 200))
    return index


def build_ivf_flat(d, n, metric, params):
    nlist = int(params.get("nlist", default_nlist(n)))
    return faiss.IndexIVFFlat(flat_quantizer(d, metric), d, nlist, faiss_metric(metric))


def refined(index, params):
    """With refine=1 the engine keeps float32 vectors for rerank; FAISS's counterpart is IndexRefineFlat."""
    if int(params.get("refine", 0)) == 0:
        return index
    outer = faiss.IndexRefineFlat(index)
    outer.ivf = index  # nprobe is set on the inner index
    return outer


def build_ivf_sq8(d, n, metric, params):
    nlist = int(params.get("nlist", default_nlist(n)))
    # Both encode residuals from the list centroid (FAISS's by_residual default).
    return refined(faiss.IndexIVFScalarQuantizer(flat_quantizer(d, metric), d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                 faiss_metric(metric)), params)


def build_ivf_pq(d, n, metric, params):
    nlist = int(params.get("nlist", default_nlist(n)))
    m, nbits = int(params.get("m", default_m(d))), int(params.get("nbits", 8))
    # The engine packs 4- and 8-bit codes for fast scan by default (fastscan=0 turns it off). FAISS has
    # IVFPQFastScan for 4 bits only: 8-bit codes meet IndexIVFPQ either way.
    if nbits == 4 and int(params.get("fastscan", 1)) != 0:
        ivf = faiss.IndexIVFPQFastScan(flat_quantizer(d, metric), d, nlist, m, nbits, faiss_metric(metric))
        ivf.by_residual = True  # FAISS 1.7 defaults to False here; the engine encodes residuals
    else:
        ivf = faiss.IndexIVFPQ(flat_quantizer(d, metric), d, nlist, m, nbits, faiss_metric(metric))
    return refined(ivf, params)


def build_pq(d, n, metric, params):
    return faiss.IndexPQ(d, int(params.get("m", default_m(d))), int(params.get("nbits", 8)), faiss_metric(metric))


def build_sq8(d, n, metric, params):
    return faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, faiss_metric(metric))


def set_ef(index, value):
    index.hnsw.efSearch = value


def set_nprobe(index, value):
    getattr(index, "ivf", index).nprobe = value


def set_rerank(index, value):
    # The engine re-ranks max(k, rerank) candidates; IndexRefineFlat re-ranks k * k_factor.
    index.k_factor = max(1.0, value / K[0])


K = [10]


# Sweep index kind -> how FAISS builds its counterpart, the build and search parameters it takes
# (sweep name -> setter), and the settings to run when the sweep gives none.
KINDS = {
    "flat": dict(build=build_flat, build_keys=(), search={}, ladder=[{}]),
    "hnsw": dict(build=build_hnsw, build_keys=("M", "efConstruction"), search={"efSearch": set_ef},
                 ladder=[{"efSearch": e} for e in EF_LADDER]),
    "ivf-flat": dict(build=build_ivf_flat, build_keys=("nlist", "train"), search={"nprobe": set_nprobe},
                     ladder=[{"nprobe": p} for p in NPROBE_LADDER]),
    "ivf-sq8": dict(build=build_ivf_sq8, build_keys=("nlist", "train", "refine"),
                    search={"nprobe": set_nprobe, "rerank": set_rerank},
                    ladder=[{"nprobe": p} for p in NPROBE_LADDER]),
    "ivf-pq": dict(build=build_ivf_pq, build_keys=("nlist", "m", "nbits", "train", "refine", "fastscan"),
                   search={"nprobe": set_nprobe, "rerank": set_rerank},
                   ladder=[{"nprobe": p} for p in NPROBE_LADDER]),
    "pq": dict(build=build_pq, build_keys=("m", "nbits", "train"), search={}, ladder=[{}]),
    "sq8": dict(build=build_sq8, build_keys=(), search={}, ladder=[{}]),
}


def parse_params(spec):
    params = {}
    for part in spec.split(","):
        if part.strip():
            key, eq, value = part.partition("=")
            if not eq:
                raise PeerError("parameter '%s' is not key=value" % part.strip())
            params[key.strip()] = value.strip()
    return params


def params_string(params):
    return ",".join("%s=%s" % (k, params[k]) for k in sorted(params))


def read_fvecs(path, limit=None):
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        raise PeerError("%s is empty" % path)
    d = int(raw[0])
    if raw.size % (d + 1) != 0:
        raise PeerError("%s is not a .fvecs file of dimension %d" % (path, d))
    rows = raw.reshape(-1, d + 1)
    if limit:
        rows = rows[:limit]
    return np.ascontiguousarray(rows[:, 1:].view("<f4"))


def write_ivecs(path, ids):
    n, k = ids.shape
    out = np.empty((n, k + 1), dtype="<i4")
    out[:, 0] = k
    out[:, 1:] = ids
    out.tofile(path)


def faiss_build():
    """Which FAISS module runs: its path and the SIMD level of the compiled code it loaded."""
    level = "avx2" if hasattr(faiss, "swigfaiss_avx2") else "generic"
    return "%s (%s code)" % (os.path.dirname(faiss.__file__), level)


def blas_info():
    """Which BLAS (and which of its kernels) batched searches will call."""
    try:
        from threadpoolctl import threadpool_info
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            return "; ".join("%s %s, core %s, %s threads" % (i.get("internal_api"), i.get("version"),
                                                             i.get("architecture"), i.get("num_threads"))
                             for i in infos)
    except ImportError:
        pass
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return "OpenBLAS core %s (%s), %d threads" % (lib.openblas_get_corename().decode(),
                                                         lib.openblas_get_config().decode(),
                                                         lib.openblas_get_num_threads())
        except (OSError, AttributeError):
            continue
    return "unknown BLAS (not OpenBLAS)"


class Runner:
    """Runs the queries in the sweep's mode, timing each one."""

    def __init__(self, index, queries, k, threads, batch):
        self.index, self.queries, self.k, self.threads, self.batch = index, queries, k, threads, batch

    def run(self, deadline=None):
        n = len(self.queries)
        ids = np.full((n, self.k), -1, dtype=np.int64)
        lat = np.zeros(n, dtype="<i8")
        start = time.perf_counter_ns()
        if self.batch > 0:
            self._batched(ids, lat, deadline)
        elif self.threads == 1:
            self._single(range(n), ids, lat, deadline)
        else:
            workers = [threading.Thread(target=self._single, args=(range(t, n, self.threads), ids, lat, deadline))
                       for t in range(self.threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        return ids, lat, (time.perf_counter_ns() - start) / 1e9

    def _single(self, rows, ids, lat, deadline):
        q, k, search = self.queries, self.k, self.index.search
        for i in rows:
            t0 = time.perf_counter_ns()
            _, found = search(q[i:i + 1], k)
            t1 = time.perf_counter_ns()
            lat[i] = t1 - t0
            ids[i] = found[0]
            if deadline is not None and t1 > deadline:
                return

    def _batched(self, ids, lat, deadline):
        q, k, b = self.queries, self.k, self.batch
        for s in range(0, len(q), b):
            e = min(len(q), s + b)
            t0 = time.perf_counter_ns()
            _, found = self.index.search(q[s:e], k)
            t1 = time.perf_counter_ns()
            lat[s:e] = max(1, (t1 - t0) // (e - s))
            ids[s:e] = found
            if deadline is not None and t1 > deadline:
                return


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kind", required=True)
    ap.add_argument("--metric", required=True, choices=["ip", "cosine", "l2"])
    ap.add_argument("--base", required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--build-threads", type=int, default=0, help="threads for training and adding (0: --threads)")
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--build", default="")
    ap.add_argument("--search", default="")
    ap.add_argument("--warmup-s", type=float, default=10.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    K[0] = a.k
    kind = KINDS.get(a.kind)
    if kind is None:
        raise PeerError("FAISS peer has no counterpart for index kind '%s'; it maps %s"
                        % (a.kind, ", ".join(sorted(KINDS))))
    build = parse_params(a.build)
    for key in list(build):
        if key not in kind["build_keys"]:
            print("ignoring build parameter %s, which the FAISS %s counterpart does not take" % (key, a.kind))
            del build[key]
    settings = [parse_params(s) for s in a.search.split(";") if s.strip()] if a.search.strip() else []
    settings = [{key: v for key, v in s.items() if key in kind["search"]} for s in settings]
    if not any(settings):
        if kind["search"]:
            print("no %s in the search settings: running %s" % ("/".join(kind["search"]), kind["ladder"]))
        settings = kind["ladder"]

    # Single queries run one OpenMP thread each (the sweep's threads are Python threads then);
    # batches use all the sweep's threads inside FAISS and its BLAS. A flat batch is one sgemm per
    # block: OpenMP threads around a threaded OpenBLAS oversubscribe the cores (measured on 1M x 64,
    # 2 cores: 244 queries/s with OpenMP 2 + BLAS 2, 718 with OpenMP 1 + BLAS 2), so the flat
    # kind leaves the threads to OpenBLAS alone.
    omp_threads = a.threads if a.batch > 0 and a.kind != "flat" else 1
    build_threads = a.build_threads or a.threads
    faiss.omp_set_num_threads(build_threads)
    print("faiss %s from %s, %s, OpenMP threads %d to build, %d to search"
          % (faiss.__version__, faiss_build(), blas_info(), build_threads, omp_threads))

    base = read_fvecs(a.base)
    queries = read_fvecs(a.query, a.queries)
    if a.metric == "cosine":
        faiss.normalize_L2(base)
        faiss.normalize_L2(queries)
    d = base.shape[1]

    t0 = time.perf_counter()
    index = kind["build"](d, len(base), a.metric, build)
    if not index.is_trained:
        # The engine's training sample: 64 points per list for IVF kinds, 65,536 otherwise.
        nlist = getattr(getattr(index, "ivf", index), "nlist", 0)
        train = int(build.get("train", 64 * nlist if nlist else 65536))
        index.train(base[:min(len(base), max(train, nlist))])
    index.add(base)
    build_s = time.perf_counter() - t0
    del base
    faiss.omp_set_num_threads(omp_threads)
    index_bytes = len(faiss.serialize_index(index))
    print("built %s (%s) over %d x %d in %.2f s" % (type(index).__name__, params_string(build) or "defaults",
                                                    index.ntotal, d, build_s))

    runner = Runner(index, queries, a.k, a.threads, a.batch)
    label = "faiss-" + a.kind
    for n, setting in enumerate(settings):
        for key, value in setting.items():
            kind["search"][key](index, int(value))
        if n == 0:
            deadline = time.perf_counter_ns() + int(a.warmup_s * 1e9)
            while time.perf_counter_ns() < deadline:
                runner.run(deadline)
        ids, lat, wall = runner.run()
        stem = os.path.join(a.out, "%s-%d" % (label, n))
        write_ivecs(stem + ".ivecs", ids)
        lat.tofile(stem + ".lat")
        print("\t".join(["RESULT", "index=" + label, "build_params=" + params_string(build),
                         "search_params=" + params_string(setting), "build_s=%.6f" % build_s,
                         "index_bytes=%d" % index_bytes, "queries=%d" % len(queries), "wall_s=%.9f" % wall,
                         "ids=" + os.path.abspath(stem + ".ivecs"), "latencies=" + os.path.abspath(stem + ".lat")]),
              flush=True)


if __name__ == "__main__":
    try:
        main()
    except PeerError as e:
        print("error: %s" % e)
        sys.exit(3)

package dev.quiver.ivf;

import dev.quiver.engine.Checks;
import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFile;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.pq.ApproximateIndex;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.Knobs;
import dev.quiver.pq.Layout;
import dev.quiver.pq.Rows;
import dev.quiver.simd.TopK;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The inverted file shared by {@code ivf-flat}, {@code ivf-sq8} and {@code ivf-pq}: a coarse
 * quantizer of {@code nlist} k-means centroids, and the items grouped by their closest centroid
 * into lists stored back to back, so that probing a list is one straight scan of contiguous
 * memory. List {@code l} holds positions {@code [starts[l], starts[l + 1])}; within a list items
 * keep their build order.
 *
 * <p>A query ranks the centroids (inner product for ip and cosine, as FAISS's IP quantizer does;
 * {@code 2 q.c - |c|^2} for L2), keeps the best {@code nprobe} and scans those lists, best first,
 * with the kind's scorer ({@link #scanList}). A batch ranks the centroids of 32 queries at a time
 * with the panel kernel before scanning.
 *
 * <p>Build parameters: {@code nlist} (default {@code 4 sqrt(n)}, at most n), {@code train}
 * (k-means sample, default {@code 64 nlist}), {@code iterations} (default 10). Search parameters:
 * {@code nprobe} (default 8, capped at nlist) and, for kinds that keep exact vectors,
 * {@code rerank}. Thread-safety and lifetime as {@link ApproximateIndex}.
 */
public abstract class IvfIndex<S extends IvfIndex.IvfScratch> extends ApproximateIndex<S> {
  static final Set<String> BUILD_PARAMS = Set.of("nlist", "train", "iterations");
  static final int DEFAULT_NPROBE = 8;

  protected final Centroids centroids;
  protected final int[] starts;
  protected final boolean l2;
  private final Set<String> searchParams;

  protected IvfIndex(Metric metric, int count, IdMap ids, Centroids centroids, int[] starts,
                     MemorySegment positionOrdinals, MemorySegment exact, AutoCloseable owner) {
    super(metric, centroids.dimension(), count, ids, positionOrdinals, exact, owner);
    this.centroids = centroids;
    this.starts = starts;
    this.l2 = metric == Metric.L2;
    this.searchParams = exact == null ? Set.of("nprobe") : Set.of("nprobe", "rerank");
  }

  /** The build parameters of a kind: the inverted file's plus {@code own}. */
  static Set<String> buildParams(String... own) {
    Set<String> all = new HashSet<>(BUILD_PARAMS);
    all.addAll(Set.of(own));
    return all;
  }

  /** The coarse quantizer (immutable). */
  public Centroids centroids() {
    return centroids;
  }

  public int nlist() {
    return centroids.count();
  }

  /** Items in list {@code l}. */
  public int listSize(int l) {
    return starts[l + 1] - starts[l];
  }

  /** The inverted list that holds the item at {@code ordinal}. */
  public final int list(int ordinal) {
    checkOpen();
    Checks.index("ordinal", ordinal, count);
    return listAt(positionOf(ordinal));
  }

  /** The list holding {@code position}: the last whose start is at or before it (empty lists share starts). */
  protected final int listAt(int position) {
    int lo = 0;
    int hi = nlist() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= position) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Adds centroid {@code list} to {@code out}: a decoded residual becomes the item's reconstruction. */
  protected final void addCentroid(int list, float[] out) {
    float[] c = centroids.rows();
    int base = list * dim;
    for (int j = 0; j < dim; j++) {
      out[j] += c[base + j];
    }
  }

  /**
   * Scores the items of list {@code list} into {@code s.top} through {@code s.accept}.
   * {@code coarseRank} is the list's rank for this query (its inner product for ip and cosine).
   */
  protected abstract void scanList(S s, int list, float coarseRank);

  /** Per-query preparation after the query is loaded and before any list is scanned. */
  protected abstract void prepareQuery(S s);

  @Override
  protected final Set<String> searchParameters() {
    return searchParams;
  }

  @Override
  protected final SearchParams typedParams(Params params, int rerank) {
    return new IvfSearchParams(Knobs.atLeast(params, "nprobe", DEFAULT_NPROBE, 1), rerank);
  }

  @Override
  protected final int configure(S s, SearchParams params) {
    IvfSearchParams p = SearchParams.of(IvfSearchParams.class, params, IvfSearchParams.DEFAULTS, kind());
    s.nprobe = Math.min(nlist(), p.nprobe());
    return p.rerank();
  }

  @Override
  protected final void collect(S s) {
    if (s.preset < 0) {
      s.probe.reset(s.nprobe);
      centroids.nearest(s.query, l2, s.probe, s.scores);
      s.probeCount = s.probe.drainDescending(s.lists, s.listRanks);
    }
    prepareQuery(s);
    for (int i = 0; i < s.probeCount; i++) {
      if (listSize(s.lists[i]) > 0) {
        scanList(s, s.lists[i], s.listRanks[i]);
      }
    }
  }

  /** Ranks the centroids for 32 queries at a time with the panel kernel, then scans per query. */
  @Override
  protected final void searchRange(S s, float[][] queries, int from, int to, int k, OrdinalFilter[] filters,
                                   SearchResults[] out) {
    for (int q0 = from; q0 < to; q0 += Centroids.TILE) {
      int qc = Math.min(Centroids.TILE, to - q0);
      for (int i = 0; i < qc; i++) {
        System.arraycopy(queries[q0 + i], 0, s.packed, i * dim, dim);
        if (metric == Metric.COSINE) {
          Rows.normalize(s.packed, i * dim, dim);
        }
        s.probes[i].reset(s.nprobe);
      }
      for (int p = 0; p < centroids.panelCount(); p++) {
        centroids.rankPanel(s.packed, 0, qc, p, l2, s.tile);
        for (int i = 0; i < qc; i++) {
          s.probes[i].offerBlock(s.tile, i * Centroids.PANEL, i * Centroids.PANEL + centroids.panelRows(p),
              p * Centroids.PANEL, null);
        }
      }
      for (int i = 0; i < qc; i++) {
        s.probeCount = s.probes[i].drainDescending(s.lists, s.listRanks);
        s.preset = i;
        try {
          searchOne(s, queries[q0 + i], k, filters == null ? null : filters[q0 + i], out[q0 + i]);
        } finally {
          s.preset = -1;
        }
      }
    }
  }

  // ---- files ----

  /** Metadata every IVF kind writes; kinds add their own keys. */
  protected final Map<String, String> metadata() {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("kind", kind());
    meta.put("metric", metric.shortName());
    meta.put("dimension", Integer.toString(dim));
    meta.put("count", Integer.toString(count));
    meta.put("nlist", Integer.toString(nlist()));
    meta.put("ids", ids.isIdentity() ? "none" : "long");
    meta.put("refine", refines() ? "1" : "0");
    return meta;
  }

  /** Writes centroids, list starts, position ordinals and ids, the sections {@link Header} reads. */
  protected final void writeLists(IndexFile.BodyOutput out) throws IOException {
    Layout.writeFloats(out, centroids.rows());
    Layout.writeInts(out, starts);
    Layout.writeSegment(out, positionOrdinals, (long) count * Integer.BYTES);
    if (!ids.isIdentity()) {
      Rows.writeIds(out, ids, count);
    }
  }

  /** Bytes of the inverted file itself: centroids, list starts, position map, ids. */
  protected final long listBytes() {
    return (long) centroids.rows().length * Float.BYTES + (long) starts.length * Integer.BYTES + commonBytes()
        - (exact == null ? 0 : (long) count * dim * Float.BYTES);
  }

  /** The common part of an opened file; kinds continue {@link #layout} with their sections. */
  static final class Header {
    final IndexFile file;
    final Metric metric;
    final int dim;
    final int count;
    final int nlist;
    final boolean hasIds;
    final boolean refine;
    final Layout layout = new Layout();
    private final long centroidsOff;
    private final long startsOff;
    private final long ordinalsOff;
    private final long idsOff;

    Header(IndexFile file) throws IOException {
      this.file = file;
      Map<String, String> meta = file.metadata();
      metric = Metric.fromName(meta.getOrDefault("metric", "?"));
      dim = (int) file.metaLong("dimension");
      count = (int) file.metaLong("count");
      nlist = (int) file.metaLong("nlist");
      hasIds = "long".equals(meta.get("ids"));
      refine = file.metaLong("refine") != 0;
      if (dim <= 0 || count < 0 || nlist <= 0) {
        throw new IOException(file.path() + ": " + file.kind() + " index of " + count + " vectors of dimension "
            + dim + " in " + nlist + " lists");
      }
      centroidsOff = layout.add((long) nlist * dim * Float.BYTES);
      startsOff = layout.add((long) (nlist + 1) * Integer.BYTES);
      ordinalsOff = layout.add((long) count * Integer.BYTES);
      idsOff = hasIds ? layout.add((long) count * Long.BYTES) : -1;
      if (file.body().byteSize() < layout.size()) {
        throw new IOException(file.path() + ": " + file.kind() + " body of " + file.body().byteSize()
            + " bytes is too short for its " + nlist + " lists of " + count + " vectors");
      }
    }

    Centroids centroids() {
      return new Centroids(Layout.readFloats(file.body(), centroidsOff, nlist * dim), nlist, dim);
    }

    /** The list starts, checked to rise from 0 to count so a scan never leaves the body. */
    int[] starts() throws IOException {
      int[] starts = Layout.readInts(file.body(), startsOff, nlist + 1);
      boolean ok = starts[0] == 0 && starts[nlist] == count;
      for (int l = 0; ok && l < nlist; l++) {
        ok = starts[l] <= starts[l + 1];
      }
      if (!ok) {
        throw new IOException(file.path() + ": corrupt inverted lists (list starts do not rise from 0 to " + count + ")");
      }
      return starts;
    }

    /**
     * The position-to-ordinal map, checked to be a permutation: ids and filters never read
     * outside, and every ordinal has the one position that {@code vector} reads.
     */
    MemorySegment ordinals() throws IOException {
      MemorySegment ordinals = file.body().asSlice(ordinalsOff, (long) count * Integer.BYTES);
      BitSet seen = new BitSet(count);
      for (int p = 0; p < count; p++) {
        int ordinal = ordinals.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, p);
        if (ordinal < 0 || ordinal >= count || seen.get(ordinal)) {
          throw new IOException(file.path() + ": corrupt inverted lists (position " + p + " holds ordinal " + ordinal
              + (ordinal < 0 || ordinal >= count ? " of " + count : ", already at an earlier position") + ")");
        }
        seen.set(ordinal);
      }
      return ordinals;
    }

    IdMap ids() {
      return Rows.ids(file.body(), hasIds, idsOff, count);
    }

    MemorySegment slice(long offset, long bytes) {
      return file.body().asSlice(offset, bytes);
    }
  }

  /** Per-thread probe state; kinds extend it with their scorers' state. */
  public static class IvfScratch extends ApproximateIndex.Scratch {
    int nprobe = DEFAULT_NPROBE;
    final TopK probe = new TopK(DEFAULT_NPROBE);
    int[] lists;
    float[] listRanks;
    int probeCount;
    /** When >= 0, the probes were ranked by a batch and {@link #lists} already holds them. */
    int preset = -1;
    final float[] packed;
    final float[] tile = new float[Centroids.TILE * Centroids.PANEL];
    final TopK[] probes = new TopK[Centroids.TILE];

    protected IvfScratch(IvfIndex<?> index) {
      super(index);
      lists = new int[index.nlist()];
      listRanks = new float[index.nlist()];
      packed = new float[Centroids.TILE * index.dim];
      for (int i = 0; i < probes.length; i++) {
        probes[i] = new TopK(DEFAULT_NPROBE);
      }
    }
  }
}

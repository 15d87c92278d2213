package dev.quiver.ivf;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.Rows;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Build-time half of an inverted file: trains the coarse quantizer on a sample, assigns every
 * item to its list with the batched kernel, and orders the items by list (a counting sort, so
 * items keep their build order inside a list). Kinds then encode the items position by position
 * with {@link #gather}.
 */
final class ListBuilder {
  static final long SEED = 0x1f_5eedL;
  /** Items read and assigned per step: bounds the heap a build needs beside the source. */
  static final int CHUNK = 8192;

  final VectorStore source;
  final boolean normalize;
  final Centroids centroids;
  final int[] starts;
  /** The ordinal of the item at each position. */
  final int[] order;
  /** The list of each position. */
  final int[] listOf;
  /** The k-means sample (normalised for cosine), for kinds that train more on it. */
  final float[] sample;
  final int sampleCount;

  ListBuilder(VectorStore source, Metric metric, Params params, int threads) {
    this(source, metric, IvfQuantizer.train(source, metric, params, threads), null, threads);
  }

  /**
   * The lists of {@code source} under {@code quantizer} (trained on it, see
   * {@link IvfQuantizer#train}), with each item's list given in {@code labels} (assigned
   * elsewhere, e.g. by the tasks of a distributed build) or, when null, assigned here.
   */
  ListBuilder(VectorStore source, Metric metric, IvfQuantizer quantizer, int[] labels, int threads) {
    this.source = source;
    this.normalize = metric == Metric.COSINE;
    int n = source.size();
    this.sample = quantizer.sample;
    this.sampleCount = quantizer.sampleCount;
    this.centroids = quantizer.centroids();
    int nlist = centroids.count();
    if (labels == null) {
      labels = assignAll(metric == Metric.L2, threads);
    } else if (labels.length != n) {
      throw new IllegalArgumentException(labels.length + " list labels for " + n + " vectors");
    }
    starts = new int[nlist + 1];
    for (int label : labels) {
      starts[label + 1]++;
    }
    for (int l = 0; l < nlist; l++) {
      starts[l + 1] += starts[l];
    }
    order = new int[n];
    listOf = new int[n];
    int[] next = java.util.Arrays.copyOf(starts, nlist);
    for (int i = 0; i < n; i++) {
      int p = next[labels[i]]++;
      order[p] = i;
      listOf[p] = labels[i];
    }
  }

  /** {@code 4 sqrt(n)}, at least 1 and at most n: the usual rule of thumb for list count. */
  static int defaultNlist(int n) {
    return (int) Math.max(1, Math.min(n, Math.round(4 * Math.sqrt(n))));
  }

  private int[] assignAll(boolean l2, int threads) {
    int n = source.size();
    int[] labels = new int[n];
    float[] rows = new float[Math.min(n, CHUNK) * source.dimension()];
    int[] chunkLabels = new int[CHUNK];
    float[] ranks = new float[CHUNK];
    for (int from = 0; from < n; from += CHUNK) {
      int c = Math.min(CHUNK, n - from);
      Rows.read(source, from, c, rows, normalize);
      centroids.assign(rows, c, l2, chunkLabels, ranks, threads);
      System.arraycopy(chunkLabels, 0, labels, from, c);
    }
    return labels;
  }

  /** The vectors at positions {@code [from, from + n)} (normalised for cosine), back to back. */
  void gather(int from, int n, float[] dst) {
    int dim = source.dimension();
    for (int i = 0; i < n; i++) {
      MemorySegment.copy(source.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, source.offset(order[from + i]), dst,
          i * dim, dim);
      if (normalize) {
        Rows.normalize(dst, i * dim, dim);
      }
    }
  }

  /** Subtracts from each of the {@code n} rows (positions from {@code from}) its list's centroid. */
  void subtractCentroids(int from, int n, float[] rows) {
    int dim = source.dimension();
    float[] c = centroids.rows();
    for (int i = 0; i < n; i++) {
      int base = listOf[from + i] * dim;
      for (int j = 0; j < dim; j++) {
        rows[i * dim + j] -= c[base + j];
      }
    }
  }

  /** The position-to-ordinal map in {@code arena}. */
  MemorySegment ordinals(Arena arena) {
    MemorySegment seg = arena.allocate(Math.max(1, (long) order.length * Integer.BYTES), 64);
    MemorySegment.copy(order, 0, seg, ValueLayout.JAVA_INT_UNALIGNED, 0, order.length);
    return seg;
  }

  /** Float vectors in position order (normalised for cosine) in {@code arena}. */
  MemorySegment vectors(Arena arena) {
    return rows(arena, false);
  }

  /** As {@link #vectors}, less each item's list centroid. */
  MemorySegment residuals(Arena arena) {
    return rows(arena, true);
  }

  private MemorySegment rows(Arena arena, boolean residual) {
    int n = order.length;
    int dim = source.dimension();
    MemorySegment seg = arena.allocate(Math.max(1, source.byteSize()), 64);
    float[] rows = new float[Math.min(n, CHUNK) * dim];
    for (int from = 0; from < n; from += CHUNK) {
      int c = Math.min(CHUNK, n - from);
      gather(from, c, rows);
      if (residual) {
        subtractCentroids(from, c, rows);
      }
      MemorySegment.copy(rows, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) from * dim * Float.BYTES, c * dim);
    }
    return seg;
  }
}

package dev.quiver.pq;

import dev.quiver.engine.SearchThreads;
import dev.quiver.simd.TopK;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A fixed set of centroids packed for the batched kernel: k-means assignment, PQ encoding and the
 * coarse search of IVF all score many points against every centroid, which is the many-queries by
 * many-rows product that {@link VectorKernels#dotPanel} tiles in registers. The centroids are
 * packed once into transposed panels of {@link VectorKernels#PANEL_ROWS} rows.
 *
 * <p>Ranks are "higher is closer": the inner product for IP, and {@code 2 q.c - |c|^2} for L2,
 * which orders centroids as {@code -|q - c|^2} does (it is {@code |q|^2 - |q - c|^2}).
 *
 * <p>Immutable and thread-safe; the heap arrays live as long as the object.
 */
public final class Centroids {
  /** Centroids per panel. */
  public static final int PANEL = VectorKernels.PANEL_ROWS;
  /** Points scored per dotPanel call, as the flat index does: the tile stays in L1. */
  public static final int TILE = 32;

  private final int count;
  private final int dim;
  private final float[] rows;
  /** The rows off-heap too: kernels may read only native segments. Freed with this object. */
  private final MemorySegment segment;
  private final float[] norms;
  private final float[][] panels;

  /** Packs {@code count} centroids of {@code dim} floats stored back to back in {@code rows} (kept, not copied). */
  public Centroids(float[] rows, int count, int dim) {
    if (count <= 0 || dim <= 0 || rows.length < count * dim) {
      throw new IllegalArgumentException(count + " centroids of dimension " + dim + " in " + rows.length + " floats");
    }
    this.count = count;
    this.dim = dim;
    this.rows = rows;
    this.norms = new float[count];
    for (int c = 0; c < count; c++) {
      norms[c] = VectorKernels.dot(rows, c * dim, rows, c * dim, dim);
    }
    int panelCount = (count + PANEL - 1) / PANEL;
    this.panels = new float[panelCount][dim * PANEL];
    this.segment = Arena.ofAuto().allocate((long) count * dim * Float.BYTES, 64);
    MemorySegment.copy(rows, 0, segment, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, count * dim);
    for (int p = 0; p < panelCount; p++) {
      VectorKernels.packPanel(segment, (long) p * PANEL * dim * Float.BYTES, panelRows(p), dim, panels[p]);
    }
  }

  public int count() {
    return count;
  }

  public int dimension() {
    return dim;
  }

  /** The centroids, back to back (not a copy: do not modify). */
  public float[] rows() {
    return rows;
  }

  /** {@code |c|^2} of centroid {@code c}. */
  public float squaredNorm(int c) {
    return norms[c];
  }

  public int panelCount() {
    return panels.length;
  }

  /** Centroids in panel {@code p}: 64, or fewer in the last one. */
  public int panelRows(int p) {
    return Math.min(PANEL, count - p * PANEL);
  }

  /** The rank of centroid {@code c} for the query at {@code q[qOffset..)}. */
  public float rank(float[] q, int qOffset, int c, boolean l2) {
    float dot = VectorKernels.dot(q, qOffset, rows, c * dim, dim);
    return l2 ? 2f * dot - norms[c] : dot;
  }

  /**
   * Ranks the queries {@code q0 .. q0+queryCount} of {@code queries} (back to back, {@code dim}
   * floats each) against panel {@code p}: {@code tile[i * 64 + r]} is the rank of centroid
   * {@code p * 64 + r}; slots past the last centroid are negative infinity.
   */
  public void rankPanel(float[] queries, int q0, int queryCount, int p, boolean l2, float[] tile) {
    VectorKernels.dotPanel(queries, q0, queryCount, dim, panels[p], tile);
    int rowsHere = panelRows(p);
    int base = p * PANEL;
    for (int i = 0; i < queryCount; i++) {
      int off = i * PANEL;
      if (l2) {
        for (int r = 0; r < rowsHere; r++) {
          tile[off + r] = 2f * tile[off + r] - norms[base + r];
        }
      }
      for (int r = rowsHere; r < PANEL; r++) {
        tile[off + r] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  /**
   * The best centroids for one query into {@code top} (reset by the caller to the number wanted),
   * a {@link VectorKernels#dotRows} scan of the centroids in blocks of {@code scores.length}.
   */
  public void nearest(float[] q, boolean l2, TopK top, float[] scores) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int start = 0; start < count; start += scores.length) {
      int n = Math.min(scores.length, count - start);
      VectorKernels.dotRows(q, segment, start * rowBytes, n, dim, scores, 0);
      if (l2) {
        for (int i = 0; i < n; i++) {
          scores[i] = 2f * scores[i] - norms[start + i];
        }
      }
      top.offerBlock(scores, 0, n, start, null);
    }
  }

  /**
   * Labels each of the {@code n} points (back to back in {@code points}) with its closest
   * centroid, on up to {@code threads} threads; {@code ranks[i]} receives the winning rank.
   * Returns how many labels changed.
   */
  public int assign(float[] points, int n, boolean l2, int[] labels, float[] ranks, int threads) {
    int parts = SearchThreads.parallelism(Math.min(threads, (n + TILE - 1) / TILE));
    int chunk = ((n + parts - 1) / parts + TILE - 1) / TILE * TILE;
    int[] changed = new int[parts];
    SearchThreads.run(parts, part -> changed[part] =
        assignRange(points, part * chunk, Math.min(n, (part + 1) * chunk), l2, labels, ranks));
    int total = 0;
    for (int c : changed) {
      total += c;
    }
    return total;
  }

  private int assignRange(float[] points, int from, int to, boolean l2, int[] labels, float[] ranks) {
    float[] tile = new float[TILE * PANEL];
    float[] best = new float[TILE];
    int[] label = new int[TILE];
    int changed = 0;
    for (int q0 = from; q0 < to; q0 += TILE) {
      int qc = Math.min(TILE, to - q0);
      java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
      for (int p = 0; p < panelCount(); p++) {
        rankPanel(points, q0, qc, p, l2, tile);
        for (int i = 0; i < qc; i++) {
          int off = i * PANEL;
          for (int r = 0; r < PANEL; r++) {
            if (tile[off + r] > best[i]) {
              best[i] = tile[off + r];
              label[i] = p * PANEL + r;
            }
          }
        }
      }
      for (int i = 0; i < qc; i++) {
        changed += labels[q0 + i] == label[i] ? 0 : 1;
        labels[q0 + i] = label[i];
        ranks[q0 + i] = best[i];
      }
    }
    return changed;
  }
}

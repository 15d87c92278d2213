package dev.quiver.pq;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A product quantizer: the {@code dim} components are cut into {@code m} sub-vectors of
 * {@code dsub = dim / m} components, and each sub-vector is replaced by the index of its closest
 * centroid in a codebook of {@code 2^nbits} entries trained by k-means. A code is {@code m} bytes
 * (one per sub-quantizer, whatever {@code nbits <= 8}).
 *
 * <p>Search is asymmetric (ADC): the query stays in float; a per-query lookup table holds, for
 * every sub-quantizer and codebook entry, the partial score of the query's sub-vector against
 * that entry, so scoring a code is {@code m} table reads and adds. The estimate is then exactly
 * the score of the query against the code's reconstruction {@link #decode}, up to float rounding,
 * which bounds its error (see {@link #innerProductTable} and {@link #distanceTable}).
 *
 * <p>Immutable after training; thread-safe.
 */
public final class ProductQuantizer {
  private final int dim;
  private final int m;
  private final int dsub;
  private final int ksub;
  /** Codebook entry c of sub-quantizer j at {@code ((j * ksub) + c) * dsub}. */
  private final float[] codebooks;
  private final Centroids[] books;

  /** A quantizer over trained {@code codebooks} (kept, not copied), as read back from a file. */
  public ProductQuantizer(int dim, int m, int nbits, float[] codebooks) {
    checkShape(dim, m, nbits);
    this.dim = dim;
    this.m = m;
    this.dsub = dim / m;
    this.ksub = 1 << nbits;
    if (codebooks.length != m * ksub * dsub) {
      throw new IllegalArgumentException("codebooks hold " + codebooks.length + " floats, expected "
          + m * ksub * dsub + " for m=" + m + ", nbits=" + nbits + ", dimension=" + dim);
    }
    this.codebooks = codebooks;
    this.books = new Centroids[m];
    for (int j = 0; j < m; j++) {
      books[j] = new Centroids(Arrays.copyOfRange(codebooks, j * ksub * dsub, (j + 1) * ksub * dsub), ksub, dsub);
    }
  }

  /** Checks {@code m} divides {@code dim} and {@code 1 <= nbits <= 8}. */
  public static void checkShape(int dim, int m, int nbits) {
    if (m <= 0 || dim % m != 0) {
      throw new IllegalArgumentException("PQ m=" + m + " must be positive and divide the dimension " + dim);
    }
    if (nbits < 1 || nbits > 8) {
      throw new IllegalArgumentException("PQ nbits=" + nbits + " must be between 1 and 8");
    }
  }

  /**
   * Lloyd iterations of each codebook's k-means when the caller does not say. FAISS runs 25; on
   * the 1M x 64 two-tower set of the benchmarks (IVF-PQ, m=32, 8 bits) 25 gave the recall of 10
   * within 0.0001 at nprobe 16 to 64, and took several times longer to build.
   */
  public static final int DEFAULT_ITERATIONS = 10;
  /**
   * Training points per codebook entry: a sub-quantizer trains on at most {@code 256 * 2^nbits}
   * of the points (as FAISS caps k-means), so 4-bit codebooks train on 4,096 points of a low-
   * dimensional slice, where more points only cost time.
   */
  static final int MAX_POINTS_PER_CENTROID = 256;

  /**
   * Trains one codebook per sub-quantizer with k-means on {@code n} points (back to back), or on
   * a random {@link #MAX_POINTS_PER_CENTROID}{@code * 2^nbits} of them when there are more.
   *
   * @throws IllegalArgumentException fewer than {@code 2^nbits} training points, or a bad shape
   */
  public static ProductQuantizer train(float[] points, int n, int dim, int m, int nbits, int iterations,
                                       long seed, int threads) {
    checkShape(dim, m, nbits);
    int dsub = dim / m;
    int ksub = 1 << nbits;
    if (n < ksub) {
      throw new IllegalArgumentException("PQ with nbits=" + nbits + " needs at least " + ksub
          + " training vectors, got " + n);
    }
    int[] rows = trainingRows(n, MAX_POINTS_PER_CENTROID * ksub, seed);
    float[] codebooks = new float[m * ksub * dsub];
    float[] sub = new float[rows.length * dsub];
    for (int j = 0; j < m; j++) {
      extract(points, rows, dim, j * dsub, dsub, sub);
      float[] c = KMeans.train(sub, rows.length, dsub, ksub, iterations, seed + j, threads).centroids();
      System.arraycopy(c, 0, codebooks, j * ksub * dsub, ksub * dsub);
    }
    return new ProductQuantizer(dim, m, nbits, codebooks);
  }

  /** All of {@code [0, n)} when {@code n <= max}, else {@code max} of them at random, in order. */
  private static int[] trainingRows(int n, int max, long seed) {
    if (n <= max) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    int[] rows = KMeans.samplePool(n, max, new SplittableRandom(seed));
    Arrays.sort(rows); // rows read in memory order
    return rows;
  }

  private static void extract(float[] points, int n, int dim, int from, int dsub, float[] sub) {
    for (int i = 0; i < n; i++) {
      System.arraycopy(points, i * dim + from, sub, i * dsub, dsub);
    }
  }

  private static void extract(float[] points, int[] rows, int dim, int from, int dsub, float[] sub) {
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(points, rows[i] * dim + from, sub, i * dsub, dsub);
    }
  }

  public int dimension() {
    return dim;
  }

  /** Sub-quantizers, which is also the code size in bytes. */
  public int m() {
    return m;
  }

  public int nbits() {
    return Integer.numberOfTrailingZeros(ksub);
  }

  /** Entries per codebook, {@code 2^nbits}. */
  public int ksub() {
    return ksub;
  }

  /** The codebooks (not a copy: do not modify). */
  public float[] codebooks() {
    return codebooks;
  }

  /** Floats in a lookup table: {@code m * ksub}. */
  public int tableSize() {
    return m * ksub;
  }

  /**
   * Encodes {@code n} vectors (back to back in {@code vectors}) into {@code codes[i * m ..]}, each
   * sub-vector by the batched nearest-centroid kernel, on up to {@code threads} threads.
   */
  public void encode(float[] vectors, int n, byte[] codes, int threads) {
    if (ksub < Centroids.PANEL) {
      encodeSmall(vectors, n, codes);
      return;
    }
    float[] sub = new float[n * dsub];
    int[] labels = new int[n];
    float[] ranks = new float[n];
    for (int j = 0; j < m; j++) {
      extract(vectors, n, dim, j * dsub, dsub, sub);
      Arrays.fill(labels, -1);
      books[j].assign(sub, n, true, labels, ranks, threads);
      for (int i = 0; i < n; i++) {
        codes[i * m + j] = (byte) labels[i];
      }
    }
  }

  /**
   * Encoding for codebooks smaller than one panel (nbits < 6, as fast scan's 4 bits): the panel
   * kernel would pad 16 entries to 64 and scan all 64 per point, so a direct loop over the
   * entries is several times faster. Ranks as {@link Centroids} for L2: {@code 2 x.c - |c|^2}.
   */
  private void encodeSmall(float[] vectors, int n, byte[] codes) {
    float[] norms = new float[m * ksub];
    for (int e = 0; e < m * ksub; e++) {
      for (int t = 0; t < dsub; t++) {
        norms[e] += codebooks[e * dsub + t] * codebooks[e * dsub + t];
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        int xo = i * dim + j * dsub;
        int best = 0;
        float bestRank = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < ksub; c++) {
          int co = (j * ksub + c) * dsub;
          float dot = 0;
          for (int t = 0; t < dsub; t++) {
            dot += vectors[xo + t] * codebooks[co + t];
          }
          float rank = 2f * dot - norms[j * ksub + c];
          if (rank > bestRank) {
            bestRank = rank;
            best = c;
          }
        }
        codes[i * m + j] = (byte) best;
      }
    }
  }

  /** Writes the reconstruction of the code at {@code codes[offset..offset+m)} into {@code out[0..dim)}. */
  public void decode(byte[] codes, int offset, float[] out) {
    for (int j = 0; j < m; j++) {
      decode(j, codes[offset + j] & 0xff, out);
    }
  }

  /** {@link #decode(byte[], int, float[])} of a code stored in {@code codes} at byte {@code offset}. */
  public void decode(MemorySegment codes, long offset, float[] out) {
    for (int j = 0; j < m; j++) {
      decode(j, codes.get(ValueLayout.JAVA_BYTE, offset + j) & 0xff, out);
    }
  }

  /** Writes entry {@code c} of codebook {@code j} into {@code out[j * dsub ..)}: one sub-vector of a reconstruction. */
  public void decode(int j, int c, float[] out) {
    System.arraycopy(codebooks, (j * ksub + c) * dsub, out, j * dsub, dsub);
  }

  /**
   * {@code table[j * ksub + c] = q_j . codebook_j[c]}, so that {@link #score} of a code is the
   * inner product of {@code q} with its reconstruction {@code x'}. Hence
   * {@code |score - q.x| = |q.(x' - x)| <= |q| |x - x'|}.
   */
  public void innerProductTable(float[] q, float[] table) {
    for (int j = 0; j < m; j++) {
      int qo = j * dsub;
      for (int c = 0; c < ksub; c++) {
        int co = (j * ksub + c) * dsub;
        float s = 0;
        for (int t = 0; t < dsub; t++) {
          s += q[qo + t] * codebooks[co + t];
        }
        table[j * ksub + c] = s;
      }
    }
  }

  /**
   * {@code table[j * ksub + c] = |q_j - codebook_j[c]|^2}, so that {@link #score} of a code is
   * {@code |q - x'|^2}. By the triangle inequality,
   * {@code |sqrt(score) - |q - x|| <= |x - x'|}.
   */
  public void distanceTable(float[] q, float[] table) {
    for (int j = 0; j < m; j++) {
      int qo = j * dsub;
      for (int c = 0; c < ksub; c++) {
        int co = (j * ksub + c) * dsub;
        float s = 0;
        for (int t = 0; t < dsub; t++) {
          float d = q[qo + t] - codebooks[co + t];
          s += d * d;
        }
        table[j * ksub + c] = s;
      }
    }
  }

  /** The table sum of one code at {@code codes[offset..offset+m)}. */
  public float score(float[] table, byte[] codes, int offset) {
    float s = 0;
    for (int j = 0; j < m; j++) {
      s += table[j * ksub + (codes[offset + j] & 0xff)];
    }
    return s;
  }

  /**
   * The table sums of {@code rows} codes back to back in {@code codes} into
   * {@code out[outOffset ..]}, plus {@code bias}, negated when {@code negate} (L2 ranks by the
   * negated distance). 8-bit codes go through {@link VectorKernels#pqScan8}; smaller codebooks
   * (4-bit codes outside fast scan) through a plain loop.
   */
  public void scoreRows(float[] table, byte[] codes, int rows, float bias, boolean negate, float[] out,
                        int outOffset) {
    if (ksub == 256) {
      VectorKernels.pqScan8(table, m, codes, 0, rows, out, outOffset);
    } else {
      scoreSmallRows(table, codes, rows, out, outOffset);
    }
    if (bias != 0f || negate) {
      for (int r = outOffset; r < outOffset + rows; r++) {
        out[r] = negate ? -(out[r] + bias) : out[r] + bias;
      }
    }
  }

  private void scoreSmallRows(float[] table, byte[] codes, int rows, float[] out, int outOffset) {
    for (int r = 0; r < rows; r++) {
      int o = r * m;
      float s0 = 0, s1 = 0;
      int j = 0;
      for (; j + 1 < m; j += 2) {
        s0 += table[j * ksub + (codes[o + j] & 0xff)];
        s1 += table[(j + 1) * ksub + (codes[o + j + 1] & 0xff)];
      }
      if (j < m) {
        s0 += table[j * ksub + (codes[o + j] & 0xff)];
      }
      out[outOffset + r] = s0 + s1;
    }
  }
}

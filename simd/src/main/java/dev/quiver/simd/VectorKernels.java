package dev.quiver.simd;

import java.lang.foreign.MemorySegment;

/**
 * The static facade over the kernels of this JVM. The provider is chosen once, when this class
 * initialises (see {@link KernelProviders}); every method is a direct call to it, which the JIT
 * inlines because the field is final.
 *
 * <p>Thread-safe. See {@link KernelProvider} for the layout conventions.
 */
public final class VectorKernels {

  /** Rows per panel of the tiled batch kernel: 4 vectors of 16 float lanes, a multiple of every width. */
  public static final int PANEL_ROWS = 64;

  /** Items per block of the 4-bit PQ fast-scan layout ({@link KernelProvider#pqFastScan4}). */
  public static final int FAST_SCAN_BLOCK = 64;
  /** Bytes per sub-quantizer table of the fast scan: 16 entries, then a copy for 32-lane lookups. */
  public static final int FAST_SCAN_TABLE_STRIDE = 32;
  /** The largest {@code m} whose fast-scan sums fit 16-bit lanes. */
  public static final int FAST_SCAN_MAX_M = 128;

  private static final KernelProvider PROVIDER = KernelProviders.select();

  private VectorKernels() {}

  /** The provider in use. */
  public static KernelProvider provider() {
    return PROVIDER;
  }

  public static float dot(float[] a, float[] b) {
    return PROVIDER.dot(a, 0, b, 0, a.length);
  }

  public static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return PROVIDER.dot(a, aOffset, b, bOffset, length);
  }

  public static float dot(float[] q, MemorySegment segment, long offset, int length) {
    return PROVIDER.dot(q, segment, offset, length);
  }

  public static float squareDistance(float[] a, float[] b) {
    return PROVIDER.squareDistance(a, 0, b, 0, a.length);
  }

  public static float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return PROVIDER.squareDistance(a, aOffset, b, bOffset, length);
  }

  public static float squareDistance(float[] q, MemorySegment segment, long offset, int length) {
    return PROVIDER.squareDistance(q, segment, offset, length);
  }

  public static float cosine(float[] a, float[] b) {
    return PROVIDER.cosine(a, b, a.length);
  }

  public static void dotRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                             float[] scores, int scoresOffset) {
    PROVIDER.dotRows(q, segment, offset, rows, dim, scores, scoresOffset);
  }

  public static void squareDistanceRows(float[] q, MemorySegment segment, long offset, int rows,
                                        int dim, float[] scores, int scoresOffset) {
    PROVIDER.squareDistanceRows(q, segment, offset, rows, dim, scores, scoresOffset);
  }

  public static void dotRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim,
                             float[] scores) {
    PROVIDER.dotRows(q, segment, ordinals, count, dim, scores);
  }

  public static void squareDistanceRows(float[] q, MemorySegment segment, int[] ordinals, int count,
                                        int dim, float[] scores) {
    PROVIDER.squareDistanceRows(q, segment, ordinals, count, dim, scores);
  }

  public static void packPanel(MemorySegment segment, long offset, int rows, int dim, float[] panel) {
    PROVIDER.packPanel(segment, offset, rows, dim, panel);
  }

  public static void dotPanel(float[] queries, int q0, int queryCount, int dim, float[] panel,
                              float[] scores) {
    PROVIDER.dotPanel(queries, q0, queryCount, dim, panel, scores);
  }

  public static void densePanel(float[] x, int xOffset, int rowCount, int dim, float[] panel,
                                float[] bias, int biasOffset, int cols, boolean relu, float[] y,
                                int yOffset, int yStride) {
    PROVIDER.densePanel(x, xOffset, rowCount, dim, panel, bias, biasOffset, cols, relu, y, yOffset,
        yStride);
  }

  public static void loadRow(MemorySegment segment, long offset, int length, float[] dst,
                             int dstOffset, boolean add) {
    PROVIDER.loadRow(segment, offset, length, dst, dstOffset, add);
  }

  public static int dotInt8(byte[] a, byte[] b) {
    return PROVIDER.dotInt8(a, 0, b, 0, a.length);
  }

  public static int dotInt8(byte[] q, MemorySegment segment, long offset, int length) {
    return PROVIDER.dotInt8(q, segment, offset, length);
  }

  public static void dotInt8Rows(float[] w, MemorySegment codes, int[] ordinals, int count, int dim,
                                 float[] scores) {
    PROVIDER.dotInt8Rows(w, codes, ordinals, count, dim, scores);
  }

  public static float dotFloat16(float[] q, MemorySegment segment, long offset, int length) {
    return PROVIDER.dotFloat16(q, segment, offset, length);
  }

  public static int firstAbove(float[] values, int from, int to, float threshold) {
    return PROVIDER.firstAbove(values, from, to, threshold);
  }

  public static void pqScan8(float[] table, int m, byte[] codes, int offset, int rows, float[] out,
                             int outOffset) {
    PROVIDER.pqScan8(table, m, codes, offset, rows, out, outOffset);
  }

  public static void pqFastScan4(MemorySegment codes, long offset, int blocks, int m, byte[] tables,
                                 float inverseScale, float bias, float[] out, int outOffset) {
    PROVIDER.pqFastScan4(codes, offset, blocks, m, tables, inverseScale, bias, out, outOffset);
  }

  public static void pqFastScan8(MemorySegment codes, long offset, int blocks, int m, byte[] tables,
                                 float inverseScale, float bias, float[] out, int outOffset) {
    PROVIDER.pqFastScan8(codes, offset, blocks, m, tables, inverseScale, bias, out, outOffset);
  }

  /** Scales {@code v} in place to unit length; leaves an all-zero vector as it is. Returns the old norm. */
  public static float normalize(float[] v) {
    float norm = (float) Math.sqrt(PROVIDER.dot(v, 0, v, 0, v.length));
    if (norm > 0f) {
      float inv = 1f / norm;
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
    }
    return norm;
  }
}

package dev.quiver.simd.panama;

import static dev.quiver.simd.panama.Shapes.F;
import static dev.quiver.simd.panama.Shapes.L;

import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.ScalarKernelProvider;
import java.lang.foreign.MemorySegment;

/**
 * Kernels on the Panama Vector API at the preferred species width (16 float lanes with AVX-512,
 * 8 with AVX2, 4 with NEON). Loaded by name from {@link dev.quiver.simd.KernelProviders}, so that
 * this package is the only one linked against {@code jdk.incubator.vector}. The kernels live in
 * package-private classes by concept, as Lucene's vectorization package splits them:
 * {@link PairKernels} (one pair of vectors), {@link RowKernels} (one query, consecutive rows),
 * {@link GatheredKernels} (one query, rows picked by ordinal), {@link PanelKernels} (many
 * queries, many rows), {@link QuantizedKernels} (int8 and fp16) and {@link PanamaPqKernels}
 * (product-quantizer fast scans); this class only routes to them.
 *
 * <p>No vector, mask or shuffle is ever passed to or returned from a method of this package: the
 * JDK's Vector API methods are always inlined, but a method of ours is inlined only while C2
 * agrees to, and it stops agreeing once the method has been compiled on its own into more code
 * than {@code InlineSmallCode} (a build phase that calls it can do that); every vector crossing
 * the call is then boxed on the heap, which made searches after a build 4-5x slower. So loads,
 * reductions and stores are written out where they are used, every method takes and returns only
 * arrays, segments and scalars, and the kernels are fast without any JVM flag but
 * {@code --add-modules jdk.incubator.vector}. Stateless and thread-safe.
 */
public final class PanamaKernelProvider implements KernelProvider {
  private static final KernelProvider SCALAR = new ScalarKernelProvider();

  /**
   * @throws UnsupportedOperationException when the preferred species has fewer than 4 or more
   *     than 16 float lanes (the panel and row-block layouts assume 4, 8 or 16)
   */
  public PanamaKernelProvider() {
    if (L < 4 || L > 16) {
      throw new UnsupportedOperationException(
          "Preferred float species has " + L + " lanes; Quiver's Panama kernels need 4, 8 or 16");
    }
  }

  @Override
  public String name() {
    return "panama-" + F.vectorBitSize();
  }

  @Override
  public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return PairKernels.dot(a, aOffset, b, bOffset, length);
  }

  @Override
  public float dot(float[] q, MemorySegment segment, long offset, int length) {
    return PairKernels.dot(q, segment, offset, length);
  }

  @Override
  public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return PairKernels.squareDistance(a, aOffset, b, bOffset, length);
  }

  @Override
  public float squareDistance(float[] q, MemorySegment segment, long offset, int length) {
    return PairKernels.squareDistance(q, segment, offset, length);
  }

  @Override
  public float cosine(float[] a, float[] b, int length) {
    return PairKernels.cosine(a, b, length);
  }

  @Override
  public void dotRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                      float[] scores, int scoresOffset) {
    RowKernels.dotRows(q, segment, offset, rows, dim, scores, scoresOffset);
  }

  @Override
  public void squareDistanceRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                                 float[] scores, int scoresOffset) {
    RowKernels.squareDistanceRows(q, segment, offset, rows, dim, scores, scoresOffset);
  }

  @Override
  public void dotRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim,
                      float[] scores) {
    GatheredKernels.dotRows(q, segment, ordinals, count, dim, scores);
  }

  @Override
  public void squareDistanceRows(float[] q, MemorySegment segment, int[] ordinals, int count,
                                 int dim, float[] scores) {
    GatheredKernels.squareDistanceRows(q, segment, ordinals, count, dim, scores);
  }

  @Override
  public void packPanel(MemorySegment segment, long offset, int rows, int dim, float[] panel) {
    PanelKernels.packPanel(segment, offset, rows, dim, panel);
  }

  @Override
  public void dotPanel(float[] queries, int q0, int queryCount, int dim, float[] panel, float[] scores) {
    PanelKernels.dotPanel(queries, q0, queryCount, dim, panel, scores);
  }

  @Override
  public void densePanel(float[] x, int xOffset, int rowCount, int dim, float[] panel, float[] bias,
                         int biasOffset, int cols, boolean relu, float[] y, int yOffset, int yStride) {
    PanelKernels.densePanel(x, xOffset, rowCount, dim, panel, bias, biasOffset, cols, relu, y, yOffset, yStride);
  }

  @Override
  public void loadRow(MemorySegment segment, long offset, int length, float[] dst, int dstOffset,
                      boolean add) {
    RowKernels.loadRow(segment, offset, length, dst, dstOffset, add);
  }

  @Override
  public int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
    return QuantizedKernels.dotInt8(a, aOffset, b, bOffset, length);
  }

  @Override
  public int dotInt8(byte[] q, MemorySegment segment, long offset, int length) {
    return QuantizedKernels.dotInt8(q, segment, offset, length);
  }

  @Override
  public void dotInt8Rows(float[] w, MemorySegment codes, int[] ordinals, int count, int dim,
                          float[] scores) {
    QuantizedKernels.dotInt8Rows(w, codes, ordinals, count, dim, scores);
  }

  @Override
  public float dotFloat16(float[] q, MemorySegment segment, long offset, int length) {
    return QuantizedKernels.dotFloat16(q, segment, offset, length);
  }

  @Override
  public int firstAbove(float[] values, int from, int to, float threshold) {
    return RowKernels.firstAbove(values, from, to, threshold);
  }

  // ---------------------------------------------------------------- product-quantizer scans

  /**
   * The scalar loop: gathers ({@code FloatVector.fromArray} with an index map, the codes widened
   * to ints and stored to the map first) measured no faster on AVX-512 (Zen 4: 31 vs 30 ns per
   * code at m = 32, 19 vs 13 at m = 16, thread CPU time), the gather doing in microcode the loads the scalar loop
   * issues itself.
   */
  @Override
  public void pqScan8(float[] table, int m, byte[] codes, int offset, int rows, float[] out, int outOffset) {
    ScalarKernelProvider.pqScan8Rows(table, m, codes, offset, rows, out, outOffset);
  }

  /** The 512-bit variant where vectors are that wide, the 256-bit one otherwise; scalar below 256 bits. */
  @Override
  public void pqFastScan4(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                          float bias, float[] out, int outOffset) {
    if (F.vectorBitSize() < 256) {
      SCALAR.pqFastScan4(codes, offset, blocks, m, tables, inverseScale, bias, out, outOffset);
    } else {
      PanamaPqKernels.pqFastScan4(F.vectorBitSize() >= 512, codes, offset, blocks, m, tables, inverseScale, bias,
          out, outOffset);
    }
  }

  /** AVX-512 machines only: a 256-entry lookup is eight 32-byte shuffles, which AVX2 lacks across lanes. */
  @Override
  public void pqFastScan8(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                          float bias, float[] out, int outOffset) {
    if (F.vectorBitSize() < 512) {
      SCALAR.pqFastScan8(codes, offset, blocks, m, tables, inverseScale, bias, out, outOffset);
    } else {
      PanamaPqKernels.pqFastScan8(codes, offset, blocks, m, tables, inverseScale, bias, out, outOffset);
    }
  }
}

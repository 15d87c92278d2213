package dev.quiver.simd.panama;

import static dev.quiver.simd.panama.Shapes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Many queries against many rows: rows packed into transposed panels, and the register-tiled
 * kernel that scores a batch of queries (or a dense layer's inputs) against a panel.
 * Stateless; thread-safe.
 */
final class PanelKernels {
  private PanelKernels() {}

  /**
   * Copies 16 x 16 blocks with an in-register transpose (four rounds of two-table permutes) and
   * the ragged edges element by element: two to three times faster than element by element
   * throughout (dim 64 to 768). Other widths copy element by element.
   */
  static void packPanel(MemorySegment segment, long offset, int rows, int dim, float[] panel) {
    long rowBytes = (long) dim * Float.BYTES;
    int blockRows = L == 16 ? rows & ~15 : 0, blockDims = L == 16 ? dim & ~15 : 0;
    for (int r = 0; r < blockRows; r += 16) {
      for (int j = 0; j < blockDims; j += 16) {
        transpose16(segment, offset + r * rowBytes + (long) j * Float.BYTES, rowBytes, panel,
            j * PANEL + r);
      }
    }
    packScalar(segment, offset, dim, 0, blockRows, blockDims, panel);
    packScalar(segment, offset, dim, blockRows, rows, 0, panel);
    if (rows < PANEL) {
      for (int j = 0; j < dim; j++) {
        java.util.Arrays.fill(panel, j * PANEL + rows, (j + 1) * PANEL, 0f);
      }
    }
  }

  /** Packs rows [r0, r1) x dims [j0, dim) one element at a time. */
  private static void packScalar(MemorySegment segment, long offset, int dim, int r0, int r1, int j0,
                                 float[] panel) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int r = r0; r < r1; r++) {
      long base = offset + r * rowBytes;
      for (int j = j0; j < dim; j++) {
        panel[j * PANEL + r] = segment.get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + (long) j * 4);
      }
    }
  }

  /**
   * Transposes the 16 x 16 block whose rows start at byte {@code o}, {@code rowBytes} apart, into
   * {@code panel[p + j * PANEL + i]}. Round s pairs vectors i and i|s and swaps bit s of the
   * vector index with bit s of the lane index; after rounds 1, 2, 4, 8 vector j holds column j.
   */
  private static void transpose16(MemorySegment segment, long o, long rowBytes, float[] panel, int p) {
    FloatVector v0 = FloatVector.fromMemorySegment(F, segment, o, LE), v1 = FloatVector.fromMemorySegment(F, segment, o + rowBytes, LE);
    FloatVector v2 = FloatVector.fromMemorySegment(F, segment, o + 2 * rowBytes, LE), v3 = FloatVector.fromMemorySegment(F, segment, o + 3 * rowBytes, LE);
    FloatVector v4 = FloatVector.fromMemorySegment(F, segment, o + 4 * rowBytes, LE), v5 = FloatVector.fromMemorySegment(F, segment, o + 5 * rowBytes, LE);
    FloatVector v6 = FloatVector.fromMemorySegment(F, segment, o + 6 * rowBytes, LE), v7 = FloatVector.fromMemorySegment(F, segment, o + 7 * rowBytes, LE);
    FloatVector v8 = FloatVector.fromMemorySegment(F, segment, o + 8 * rowBytes, LE), v9 = FloatVector.fromMemorySegment(F, segment, o + 9 * rowBytes, LE);
    FloatVector v10 = FloatVector.fromMemorySegment(F, segment, o + 10 * rowBytes, LE), v11 = FloatVector.fromMemorySegment(F, segment, o + 11 * rowBytes, LE);
    FloatVector v12 = FloatVector.fromMemorySegment(F, segment, o + 12 * rowBytes, LE), v13 = FloatVector.fromMemorySegment(F, segment, o + 13 * rowBytes, LE);
    FloatVector v14 = FloatVector.fromMemorySegment(F, segment, o + 14 * rowBytes, LE), v15 = FloatVector.fromMemorySegment(F, segment, o + 15 * rowBytes, LE);
    FloatVector w0 = LO1.selectFrom(v0, v1), w1 = HI1.selectFrom(v0, v1);
    FloatVector w2 = LO1.selectFrom(v2, v3), w3 = HI1.selectFrom(v2, v3);
    FloatVector w4 = LO1.selectFrom(v4, v5), w5 = HI1.selectFrom(v4, v5);
    FloatVector w6 = LO1.selectFrom(v6, v7), w7 = HI1.selectFrom(v6, v7);
    FloatVector w8 = LO1.selectFrom(v8, v9), w9 = HI1.selectFrom(v8, v9);
    FloatVector w10 = LO1.selectFrom(v10, v11), w11 = HI1.selectFrom(v10, v11);
    FloatVector w12 = LO1.selectFrom(v12, v13), w13 = HI1.selectFrom(v12, v13);
    FloatVector w14 = LO1.selectFrom(v14, v15), w15 = HI1.selectFrom(v14, v15);
    FloatVector x0 = LO2.selectFrom(w0, w2), x2 = HI2.selectFrom(w0, w2);
    FloatVector x1 = LO2.selectFrom(w1, w3), x3 = HI2.selectFrom(w1, w3);
    FloatVector x4 = LO2.selectFrom(w4, w6), x6 = HI2.selectFrom(w4, w6);
    FloatVector x5 = LO2.selectFrom(w5, w7), x7 = HI2.selectFrom(w5, w7);
    FloatVector x8 = LO2.selectFrom(w8, w10), x10 = HI2.selectFrom(w8, w10);
    FloatVector x9 = LO2.selectFrom(w9, w11), x11 = HI2.selectFrom(w9, w11);
    FloatVector x12 = LO2.selectFrom(w12, w14), x14 = HI2.selectFrom(w12, w14);
    FloatVector x13 = LO2.selectFrom(w13, w15), x15 = HI2.selectFrom(w13, w15);
    FloatVector y0 = LO4.selectFrom(x0, x4), y4 = HI4.selectFrom(x0, x4);
    FloatVector y1 = LO4.selectFrom(x1, x5), y5 = HI4.selectFrom(x1, x5);
    FloatVector y2 = LO4.selectFrom(x2, x6), y6 = HI4.selectFrom(x2, x6);
    FloatVector y3 = LO4.selectFrom(x3, x7), y7 = HI4.selectFrom(x3, x7);
    FloatVector y8 = LO4.selectFrom(x8, x12), y12 = HI4.selectFrom(x8, x12);
    FloatVector y9 = LO4.selectFrom(x9, x13), y13 = HI4.selectFrom(x9, x13);
    FloatVector y10 = LO4.selectFrom(x10, x14), y14 = HI4.selectFrom(x10, x14);
    FloatVector y11 = LO4.selectFrom(x11, x15), y15 = HI4.selectFrom(x11, x15);
    FloatVector z0 = LO8.selectFrom(y0, y8), z8 = HI8.selectFrom(y0, y8);
    FloatVector z1 = LO8.selectFrom(y1, y9), z9 = HI8.selectFrom(y1, y9);
    FloatVector z2 = LO8.selectFrom(y2, y10), z10 = HI8.selectFrom(y2, y10);
    FloatVector z3 = LO8.selectFrom(y3, y11), z11 = HI8.selectFrom(y3, y11);
    FloatVector z4 = LO8.selectFrom(y4, y12), z12 = HI8.selectFrom(y4, y12);
    FloatVector z5 = LO8.selectFrom(y5, y13), z13 = HI8.selectFrom(y5, y13);
    FloatVector z6 = LO8.selectFrom(y6, y14), z14 = HI8.selectFrom(y6, y14);
    FloatVector z7 = LO8.selectFrom(y7, y15), z15 = HI8.selectFrom(y7, y15);
    z0.intoArray(panel, p);
    z1.intoArray(panel, p + 1 * PANEL);
    z2.intoArray(panel, p + 2 * PANEL);
    z3.intoArray(panel, p + 3 * PANEL);
    z4.intoArray(panel, p + 4 * PANEL);
    z5.intoArray(panel, p + 5 * PANEL);
    z6.intoArray(panel, p + 6 * PANEL);
    z7.intoArray(panel, p + 7 * PANEL);
    z8.intoArray(panel, p + 8 * PANEL);
    z9.intoArray(panel, p + 9 * PANEL);
    z10.intoArray(panel, p + 10 * PANEL);
    z11.intoArray(panel, p + 11 * PANEL);
    z12.intoArray(panel, p + 12 * PANEL);
    z13.intoArray(panel, p + 13 * PANEL);
    z14.intoArray(panel, p + 14 * PANEL);
    z15.intoArray(panel, p + 15 * PANEL);
  }

  /**
   * Register tiling: a tile of 4 queries by 4L rows keeps 16 accumulators in registers and, per
   * dimension, loads 4 panel vectors and 4 query broadcasts for 16 FMAs, so the FMA units and
   * not the loads set the pace. With 32 vector registers (AVX-512) the 16 accumulators, 4 panel
   * vectors and a broadcast fit without spilling; with AVX2's 16 the tile spills (correct, but
   * slower).
   */
  static void dotPanel(float[] queries, int q0, int queryCount, int dim, float[] panel, float[] scores) {
    tiles(queries, q0 * dim, queryCount, dim, panel, null, 0, PANEL, false, scores, 0, PANEL);
  }

  static void densePanel(float[] x, int xOffset, int rowCount, int dim, float[] panel, float[] bias,
                         int biasOffset, int cols, boolean relu, float[] y, int yOffset, int yStride) {
    tiles(x, xOffset, rowCount, dim, panel, bias, biasOffset, cols, relu, y, yOffset, yStride);
  }

  /**
   * Tiles of 4 inputs x 4 vectors of panel rows; input i's sums go to
   * {@code out[o + i * stride ..]} (the first {@code cols} of each tile's 4L), then, when
   * {@code bias} is set, get the bias and ReLU while still in L1. Vectors are never passed to a
   * method that might not be inlined: the JIT would box them.
   */
  private static void tiles(float[] x, int x0, int count, int dim, float[] panel, float[] bias,
                            int bo, int cols, boolean relu, float[] out, int o, int stride) {
    int i = 0;
    for (; i <= count - 4; i += 4) {
      for (int c = 0; c < cols; c += 4 * L) {
        int at = o + i * stride + c;
        if (cols - c >= 4 * L) {
          tile4x4(x, x0 + i * dim, dim, panel, c, out, at, stride);
        } else {
          tile4x4Partial(x, x0 + i * dim, dim, panel, c, out, at, stride, cols - c);
        }
        if (bias != null) {
          for (int k = 0; k < 4; k++) {
            addBias(out, at + k * stride, bias, bo + c, Math.min(cols - c, 4 * L), relu);
          }
        }
      }
    }
    for (; i < count; i++) {
      for (int c = 0; c < cols; c += 4 * L) {
        int at = o + i * stride + c;
        tile1x4(x, x0 + i * dim, dim, panel, c, out, at, cols - c);
        if (bias != null) {
          addBias(out, at, bias, bo + c, Math.min(cols - c, 4 * L), relu);
        }
      }
    }
  }

  /** {@code out[at + k] = act(out[at + k] + bias[bo + k])} for {@code k < n}. */
  private static void addBias(float[] out, int at, float[] bias, int bo, int n, boolean relu) {
    int k = 0;
    // Whole vectors without a mask: a masked store costs several plain ones.
    for (; k <= n - L; k += L) {
      FloatVector v = FloatVector.fromArray(F, out, at + k).add(FloatVector.fromArray(F, bias, bo + k));
      (relu ? v.max(0f) : v).intoArray(out, at + k);
    }
    if (k < n) {
      VectorMask<Float> m = VectorMask.fromLong(F, (1L << (n - k)) - 1);
      FloatVector v = FloatVector.fromArray(F, out, at + k, m).add(FloatVector.fromArray(F, bias, bo + k, m));
      (relu ? v.max(0f) : v).intoArray(out, at + k, m);
    }
  }

  /**
   * A full tile. The partial tile at a panel's end is a method of its own: with both stores in
   * one method C1 runs out of virtual registers compiling it, and without C1's profile C2 took
   * minutes to compile the kernel, which ran its Java fallback meanwhile.
   */
  private static void tile4x4(float[] queries, int qa, int dim, float[] panel, int c, float[] out,
                              int o, int stride) {
    FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    int qb = qa + dim, qc = qb + dim, qd = qc + dim;
    for (int j = 0, p = c; j < dim; j++, p += PANEL) {
      FloatVector p0 = FloatVector.fromArray(F, panel, p), p1 = FloatVector.fromArray(F, panel, p + L);
      FloatVector p2 = FloatVector.fromArray(F, panel, p + 2 * L), p3 = FloatVector.fromArray(F, panel, p + 3 * L);
      FloatVector b = FloatVector.broadcast(F, queries[qa + j]);
      c00 = p0.fma(b, c00);
      c01 = p1.fma(b, c01);
      c02 = p2.fma(b, c02);
      c03 = p3.fma(b, c03);
      b = FloatVector.broadcast(F, queries[qb + j]);
      c10 = p0.fma(b, c10);
      c11 = p1.fma(b, c11);
      c12 = p2.fma(b, c12);
      c13 = p3.fma(b, c13);
      b = FloatVector.broadcast(F, queries[qc + j]);
      c20 = p0.fma(b, c20);
      c21 = p1.fma(b, c21);
      c22 = p2.fma(b, c22);
      c23 = p3.fma(b, c23);
      b = FloatVector.broadcast(F, queries[qd + j]);
      c30 = p0.fma(b, c30);
      c31 = p1.fma(b, c31);
      c32 = p2.fma(b, c32);
      c33 = p3.fma(b, c33);
    }
    c00.intoArray(out, o);
    c01.intoArray(out, o + L);
    c02.intoArray(out, o + 2 * L);
    c03.intoArray(out, o + 3 * L);
    c10.intoArray(out, o + stride);
    c11.intoArray(out, o + stride + L);
    c12.intoArray(out, o + stride + 2 * L);
    c13.intoArray(out, o + stride + 3 * L);
    c20.intoArray(out, o + 2 * stride);
    c21.intoArray(out, o + 2 * stride + L);
    c22.intoArray(out, o + 2 * stride + 2 * L);
    c23.intoArray(out, o + 2 * stride + 3 * L);
    c30.intoArray(out, o + 3 * stride);
    c31.intoArray(out, o + 3 * stride + L);
    c32.intoArray(out, o + 3 * stride + 2 * L);
    c33.intoArray(out, o + 3 * stride + 3 * L);
  }

  /** The last tile of a panel, of {@code cols < 4L} columns: the same sums, masked stores. */
  private static void tile4x4Partial(float[] queries, int qa, int dim, float[] panel, int c, float[] out,
                                     int o, int stride, int cols) {
    FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    int qb = qa + dim, qc = qb + dim, qd = qc + dim;
    for (int j = 0, p = c; j < dim; j++, p += PANEL) {
      FloatVector p0 = FloatVector.fromArray(F, panel, p), p1 = FloatVector.fromArray(F, panel, p + L);
      FloatVector p2 = FloatVector.fromArray(F, panel, p + 2 * L), p3 = FloatVector.fromArray(F, panel, p + 3 * L);
      FloatVector b = FloatVector.broadcast(F, queries[qa + j]);
      c00 = p0.fma(b, c00);
      c01 = p1.fma(b, c01);
      c02 = p2.fma(b, c02);
      c03 = p3.fma(b, c03);
      b = FloatVector.broadcast(F, queries[qb + j]);
      c10 = p0.fma(b, c10);
      c11 = p1.fma(b, c11);
      c12 = p2.fma(b, c12);
      c13 = p3.fma(b, c13);
      b = FloatVector.broadcast(F, queries[qc + j]);
      c20 = p0.fma(b, c20);
      c21 = p1.fma(b, c21);
      c22 = p2.fma(b, c22);
      c23 = p3.fma(b, c23);
      b = FloatVector.broadcast(F, queries[qd + j]);
      c30 = p0.fma(b, c30);
      c31 = p1.fma(b, c31);
      c32 = p2.fma(b, c32);
      c33 = p3.fma(b, c33);
    }
    c00.intoArray(out, o, F.indexInRange(0, cols));
    c01.intoArray(out, o + L, F.indexInRange(L, cols));
    c02.intoArray(out, o + 2 * L, F.indexInRange(2 * L, cols));
    c03.intoArray(out, o + 3 * L, F.indexInRange(3 * L, cols));
    c10.intoArray(out, o + stride, F.indexInRange(0, cols));
    c11.intoArray(out, o + stride + L, F.indexInRange(L, cols));
    c12.intoArray(out, o + stride + 2 * L, F.indexInRange(2 * L, cols));
    c13.intoArray(out, o + stride + 3 * L, F.indexInRange(3 * L, cols));
    c20.intoArray(out, o + 2 * stride, F.indexInRange(0, cols));
    c21.intoArray(out, o + 2 * stride + L, F.indexInRange(L, cols));
    c22.intoArray(out, o + 2 * stride + 2 * L, F.indexInRange(2 * L, cols));
    c23.intoArray(out, o + 2 * stride + 3 * L, F.indexInRange(3 * L, cols));
    c30.intoArray(out, o + 3 * stride, F.indexInRange(0, cols));
    c31.intoArray(out, o + 3 * stride + L, F.indexInRange(L, cols));
    c32.intoArray(out, o + 3 * stride + 2 * L, F.indexInRange(2 * L, cols));
    c33.intoArray(out, o + 3 * stride + 3 * L, F.indexInRange(3 * L, cols));
  }

  /** The 1..3 queries left over by tile4x4: load-bound, but only ever a small share of a batch. */
  private static void tile1x4(float[] queries, int qa, int dim, float[] panel, int c, float[] out,
                              int o, int cols) {
    FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
    for (int j = 0, p = c; j < dim; j++, p += PANEL) {
      FloatVector b = FloatVector.broadcast(F, queries[qa + j]);
      c0 = FloatVector.fromArray(F, panel, p).fma(b, c0);
      c1 = FloatVector.fromArray(F, panel, p + L).fma(b, c1);
      c2 = FloatVector.fromArray(F, panel, p + 2 * L).fma(b, c2);
      c3 = FloatVector.fromArray(F, panel, p + 3 * L).fma(b, c3);
    }
    if (cols >= 4 * L) {
      c0.intoArray(out, o);
      c1.intoArray(out, o + L);
      c2.intoArray(out, o + 2 * L);
      c3.intoArray(out, o + 3 * L);
    } else {
      c0.intoArray(out, o, F.indexInRange(0, cols));
      c1.intoArray(out, o + L, F.indexInRange(L, cols));
      c2.intoArray(out, o + 2 * L, F.indexInRange(2 * L, cols));
      c3.intoArray(out, o + 3 * L, F.indexInRange(3 * L, cols));
    }
  }
}

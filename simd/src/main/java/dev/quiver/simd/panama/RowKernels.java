package dev.quiver.simd.panama;

import static dev.quiver.simd.panama.Shapes.*;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * One query against consecutive rows: the scans of flat and IVF lists, the copy of a row into
 * a float array, and the threshold scan of top-k selection.
 *
 * <p>Short rows (dim <= 4L) keep the query in registers and score a row per step with
 * straight-line code. Long rows score four rows per step, one from each quarter of the range:
 * four independent FMA chains, while memory is still read as four sequential streams (four
 * adjacent rows read chunk by chunk defeat the hardware prefetchers and halve the bandwidth).
 * Their loop is one flat loop over (row, chunk) pairs: a chunk loop nested in the row loop
 * would be entered once per row, and the JIT's per-entry loop setup (range-check predicates,
 * pre- and post-loops) costs more than a few chunks. The four sums leave through a butterfly
 * (see {@link Shapes#BIT1}) instead of four horizontal reductions.
 *
 * <p>A partial last chunk is read with a full-width load that ends at the row's end (for rows
 * shorter than a vector: starts at its start), and a blend zeroes the lanes outside the row.
 * Masked segment loads would do the same but inline into far more code, and every kernel here
 * must stay small: the JIT's per-method node budget is shared by everything inlined into it.
 *
 * <p>Stateless; thread-safe.
 */
final class RowKernels {
  private RowKernels() {}

  static void dotRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                      float[] scores, int scoresOffset) {
    if (dim <= 4 * L) {
      dotShortRows(q, segment, offset, rows, dim, scores, scoresOffset);
    } else {
      dotLongRows(q, segment, offset, rows, dim, scores, scoresOffset);
    }
  }

  static void squareDistanceRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                                 float[] scores, int scoresOffset) {
    if (dim <= 4 * L) {
      squareDistanceShortRows(q, segment, offset, rows, dim, scores, scoresOffset);
    } else {
      squareDistanceLongRows(q, segment, offset, rows, dim, scores, scoresOffset);
    }
  }

  private static void dotShortRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                            float[] scores, int scoresOffset) {
    int full = dim / L, rem = dim % L;
    int tailStart = full > 0 ? dim - L : 0;
    // A compare with the lane indices compiles to one instruction; a mask made from a variable
    // long does not.
    VectorMask<Float> keep = full > 0 ? IOTA.compare(VectorOperators.GE, L - rem)
        : IOTA.compare(VectorOperators.LT, rem);
    FloatVector zero = FloatVector.zero(F);
    FloatVector q0 = full > 0 ? FloatVector.fromArray(F, q, 0) : zero, q1 = full > 1 ? FloatVector.fromArray(F, q, L) : zero;
    FloatVector q2 = full > 2 ? FloatVector.fromArray(F, q, 2 * L) : zero, q3 = full > 3 ? FloatVector.fromArray(F, q, 3 * L) : zero;
    FloatVector qt = FloatVector.fromArray(F, q, tailStart, keep);
    long rowBytes = (long) dim * Float.BYTES, tailOffset = (long) tailStart * Float.BYTES;
    int whole = rowsReadableWhole(rows, dim, full, rem);
    for (int r = 0; r < whole; r++) {
      long o = offset + r * rowBytes;
      // Two chains of FMAs; branches on loop invariants are always predicted.
      FloatVector a = zero, b = zero;
      if (full > 0) {
        a = FloatVector.fromMemorySegment(F, segment, o, LE).fma(q0, a);
      }
      if (full > 1) {
        b = FloatVector.fromMemorySegment(F, segment, o + L * 4L, LE).fma(q1, b);
      }
      if (full > 2) {
        a = FloatVector.fromMemorySegment(F, segment, o + L * 8L, LE).fma(q2, a);
      }
      if (full > 3) {
        b = FloatVector.fromMemorySegment(F, segment, o + L * 12L, LE).fma(q3, b);
      }
      if (rem != 0) {
        a = zero.blend(FloatVector.fromMemorySegment(F, segment, o + tailOffset, LE), keep).fma(qt, a);
      }
      FloatVector v = a.add(b);
      v = L == 16 ? v.add(v.rearrange(XOR8)) : v;
      v = L >= 8 ? v.add(v.rearrange(XOR4)) : v;
      v = v.add(v.rearrange(XOR2));
      scores[scoresOffset + r] = v.add(v.rearrange(XOR1)).lane(0);
    }
    for (int r = whole; r < rows; r++) {
      scores[scoresOffset + r] = PairKernels.dot(q, segment, offset + r * rowBytes, dim);
    }
  }

  private static void squareDistanceShortRows(float[] q, MemorySegment segment, long offset, int rows,
                                       int dim, float[] scores, int scoresOffset) {
    int full = dim / L, rem = dim % L;
    int tailStart = full > 0 ? dim - L : 0;
    // A compare with the lane indices compiles to one instruction; a mask made from a variable
    // long does not.
    VectorMask<Float> keep = full > 0 ? IOTA.compare(VectorOperators.GE, L - rem)
        : IOTA.compare(VectorOperators.LT, rem);
    FloatVector zero = FloatVector.zero(F);
    FloatVector q0 = full > 0 ? FloatVector.fromArray(F, q, 0) : zero, q1 = full > 1 ? FloatVector.fromArray(F, q, L) : zero;
    FloatVector q2 = full > 2 ? FloatVector.fromArray(F, q, 2 * L) : zero, q3 = full > 3 ? FloatVector.fromArray(F, q, 3 * L) : zero;
    FloatVector qt = FloatVector.fromArray(F, q, tailStart, keep);
    long rowBytes = (long) dim * Float.BYTES, tailOffset = (long) tailStart * Float.BYTES;
    int whole = rowsReadableWhole(rows, dim, full, rem);
    for (int r = 0; r < whole; r++) {
      long o = offset + r * rowBytes;
      FloatVector a = zero, b = zero;
      if (full > 0) {
        FloatVector da = FloatVector.fromMemorySegment(F, segment, o, LE).sub(q0);
        a = da.fma(da, a);
      }
      if (full > 1) {
        FloatVector db = FloatVector.fromMemorySegment(F, segment, o + L * 4L, LE).sub(q1);
        b = db.fma(db, b);
      }
      if (full > 2) {
        FloatVector da = FloatVector.fromMemorySegment(F, segment, o + L * 8L, LE).sub(q2);
        a = da.fma(da, a);
      }
      if (full > 3) {
        FloatVector db = FloatVector.fromMemorySegment(F, segment, o + L * 12L, LE).sub(q3);
        b = db.fma(db, b);
      }
      if (rem != 0) {
        // Zeroed lanes meet zero query lanes: their difference adds nothing.
        FloatVector da = zero.blend(FloatVector.fromMemorySegment(F, segment, o + tailOffset, LE), keep).sub(qt);
        a = da.fma(da, a);
      }
      FloatVector v = a.add(b);
      v = L == 16 ? v.add(v.rearrange(XOR8)) : v;
      v = L >= 8 ? v.add(v.rearrange(XOR4)) : v;
      v = v.add(v.rearrange(XOR2));
      scores[scoresOffset + r] = v.add(v.rearrange(XOR1)).lane(0);
    }
    for (int r = whole; r < rows; r++) {
      scores[scoresOffset + r] = PairKernels.squareDistance(q, segment, offset + r * rowBytes, dim);
    }
  }

  private static void dotLongRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                           float[] scores, int scoresOffset) {
    int full = dim / L, rem = dim % L, chunks = full + (rem == 0 ? 0 : 1);
    int quarter = rows / 4;
    long rowBytes = (long) dim * Float.BYTES, stride = quarter * rowBytes, o = offset;
    FloatVector zero = FloatVector.zero(F), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    int k = 0, c = 0;
    while (k < quarter) {
      // The partial chunk overlaps the previous one; the overlapped lanes are zeroed.
      boolean partial = c == full;
      int j = partial ? dim - L : c * L;
      VectorMask<Float> m = IOTA.compare(VectorOperators.GE, partial ? L - rem : 0);
      FloatVector qv = FloatVector.fromArray(F, q, j);
      long p = o + (long) j * Float.BYTES;
      a0 = zero.blend(FloatVector.fromMemorySegment(F, segment, p, LE), m).fma(qv, a0);
      a1 = zero.blend(FloatVector.fromMemorySegment(F, segment, p + stride, LE), m).fma(qv, a1);
      a2 = zero.blend(FloatVector.fromMemorySegment(F, segment, p + 2 * stride, LE), m).fma(qv, a2);
      a3 = zero.blend(FloatVector.fromMemorySegment(F, segment, p + 3 * stride, LE), m).fma(qv, a3);
      if (++c == chunks) {
        // The transposed reduction of the four sums (see the comment on BIT1).
        FloatVector w01 = a0.blend(a1, BIT1).add(a1.blend(a0, BIT1).rearrange(XOR1));
        FloatVector w23 = a2.blend(a3, BIT1).add(a3.blend(a2, BIT1).rearrange(XOR1));
        FloatVector sums = w01.blend(w23, BIT2).add(w23.blend(w01, BIT2).rearrange(XOR2));
        sums = L >= 8 ? sums.add(sums.rearrange(XOR4)) : sums;
        sums = L == 16 ? sums.add(sums.rearrange(XOR8)) : sums;
        int at = scoresOffset + k;
        scores[at] = sums.lane(0);
        scores[at + quarter] = sums.lane(1);
        scores[at + 2 * quarter] = sums.lane(2);
        scores[at + 3 * quarter] = sums.lane(3);
        a0 = zero;
        a1 = zero;
        a2 = zero;
        a3 = zero;
        c = 0;
        k++;
        o += rowBytes;
      }
    }
    for (int r = 4 * quarter; r < rows; r++) {
      scores[scoresOffset + r] = PairKernels.dot(q, segment, offset + r * rowBytes, dim);
    }
  }

  private static void squareDistanceLongRows(float[] q, MemorySegment segment, long offset, int rows,
                                      int dim, float[] scores, int scoresOffset) {
    int full = dim / L, rem = dim % L, chunks = full + (rem == 0 ? 0 : 1);
    int quarter = rows / 4;
    long rowBytes = (long) dim * Float.BYTES, stride = quarter * rowBytes, o = offset;
    FloatVector zero = FloatVector.zero(F), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    int k = 0, c = 0;
    while (k < quarter) {
      boolean partial = c == full;
      int j = partial ? dim - L : c * L;
      VectorMask<Float> m = IOTA.compare(VectorOperators.GE, partial ? L - rem : 0);
      FloatVector qv = zero.blend(FloatVector.fromArray(F, q, j), m);
      long p = o + (long) j * Float.BYTES;
      FloatVector da0 = zero.blend(FloatVector.fromMemorySegment(F, segment, p, LE), m).sub(qv);
      a0 = da0.fma(da0, a0);
      FloatVector da1 = zero.blend(FloatVector.fromMemorySegment(F, segment, p + stride, LE), m).sub(qv);
      a1 = da1.fma(da1, a1);
      FloatVector da2 = zero.blend(FloatVector.fromMemorySegment(F, segment, p + 2 * stride, LE), m).sub(qv);
      a2 = da2.fma(da2, a2);
      FloatVector da3 = zero.blend(FloatVector.fromMemorySegment(F, segment, p + 3 * stride, LE), m).sub(qv);
      a3 = da3.fma(da3, a3);
      if (++c == chunks) {
        // The transposed reduction of the four sums (see the comment on BIT1).
        FloatVector w01 = a0.blend(a1, BIT1).add(a1.blend(a0, BIT1).rearrange(XOR1));
        FloatVector w23 = a2.blend(a3, BIT1).add(a3.blend(a2, BIT1).rearrange(XOR1));
        FloatVector sums = w01.blend(w23, BIT2).add(w23.blend(w01, BIT2).rearrange(XOR2));
        sums = L >= 8 ? sums.add(sums.rearrange(XOR4)) : sums;
        sums = L == 16 ? sums.add(sums.rearrange(XOR8)) : sums;
        int at = scoresOffset + k;
        scores[at] = sums.lane(0);
        scores[at + quarter] = sums.lane(1);
        scores[at + 2 * quarter] = sums.lane(2);
        scores[at + 3 * quarter] = sums.lane(3);
        a0 = zero;
        a1 = zero;
        a2 = zero;
        a3 = zero;
        c = 0;
        k++;
        o += rowBytes;
      }
    }
    for (int r = 4 * quarter; r < rows; r++) {
      scores[scoresOffset + r] = PairKernels.squareDistance(q, segment, offset + r * rowBytes, dim);
    }
  }

  /**
   * How many leading rows can be read with full-width loads without passing the end of the
   * {@code rows} rows: all of them unless a row is shorter than a vector.
   */
  private static int rowsReadableWhole(int rows, int dim, int full, int rem) {
    if (full > 0 || rem == 0) {
      return rows;
    }
    long floats = (long) rows * dim;
    return floats < L ? 0 : (int) ((floats - L) / dim + 1);
  }

  /**
   * Whole vectors, then one masked vector for the tail, its mask made from a bit pattern (one
   * mask-register move) rather than by {@code indexInRange}, which measured slower here. A
   * narrower species instead would make the JIT's type profiles of the vector classes
   * polymorphic, which stops it from inlining the other kernels' vector code.
   */
  static void loadRow(MemorySegment segment, long offset, int length, float[] dst, int dstOffset,
                      boolean add) {
    int i = 0;
    for (; i <= length - L; i += L) {
      FloatVector v = FloatVector.fromMemorySegment(F, segment, offset + (long) i * Float.BYTES, LE);
      (add ? v.add(FloatVector.fromArray(F, dst, dstOffset + i)) : v).intoArray(dst, dstOffset + i);
    }
    if (i < length) {
      VectorMask<Float> m = VectorMask.fromLong(F, (1L << (length - i)) - 1);
      FloatVector v = FloatVector.fromMemorySegment(F, segment, offset + (long) i * Float.BYTES, LE, m);
      (add ? v.add(FloatVector.fromArray(F, dst, dstOffset + i, m)) : v).intoArray(dst, dstOffset + i, m);
    }
  }

  static int firstAbove(float[] values, int from, int to, float threshold) {
    int i = from;
    // Two vectors per test: in a top-k scan nearly every score is below the threshold, so the
    // loop is a compare-and-branch stream and halving the branches matters.
    for (; i <= to - 2 * L; i += 2 * L) {
      VectorMask<Float> m0 = FloatVector.fromArray(F, values, i).compare(VectorOperators.GT, threshold);
      VectorMask<Float> m1 = FloatVector.fromArray(F, values, i + L).compare(VectorOperators.GT, threshold);
      if (m0.or(m1).anyTrue()) {
        return m0.anyTrue() ? i + m0.firstTrue() : i + L + m1.firstTrue();
      }
    }
    // Fewer than 2L values are left: a scalar loop, since masked loads and compares are not
    // intrinsics on every machine (AVX2 has no mask registers), and where the JIT falls back to
    // their Java implementation every call allocates.
    for (; i < to; i++) {
      if (values[i] > threshold) {
        return i;
      }
    }
    return to;
  }
}

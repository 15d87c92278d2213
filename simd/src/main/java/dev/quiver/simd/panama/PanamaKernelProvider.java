package dev.quiver.simd.panama;

import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.ScalarKernelProvider;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Panama Vector API at the preferred species width (16 float lanes with AVX-512,
 * 8 with AVX2, 4 with NEON). Loaded by name from {@link dev.quiver.simd.KernelProviders}, so that
 * this package is the only one linked against {@code jdk.incubator.vector}.
 *
 * <p>Every species, mask and shuffle is a {@code static final} constant: the JIT intrinsifies
 * Vector API calls only when it can see them as constants. No vector, mask or shuffle is ever
 * passed to or returned from a method of this package: the JDK's Vector API methods are always
 * inlined, but a helper of ours is inlined only while C2 agrees to, and it stops agreeing once
 * the helper has been compiled on its own into more code than {@code InlineSmallCode} (a build
 * phase that calls it can do that); every vector crossing the call is then boxed on the heap,
 * which made searches after a build 4-5x slower. So loads, reductions and stores are written
 * out where they are used, and methods take and return only arrays, segments and scalars.
 * Stateless and thread-safe.
 */
public final class PanamaKernelProvider implements KernelProvider {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final VectorSpecies<Integer> I = F.withLanes(int.class);
  /** Shorts of the full width: the products of two int8 vectors that {@link #B} widens. */
  private static final VectorSpecies<Short> S = F.withLanes(short.class);
  /** Bytes of half the width, so that widening them to shorts fills {@link #S}. */
  private static final VectorSpecies<Byte> B = halfWidth(byte.class);
  /** Shorts of half the width, so that widening fp16 bits to ints fills {@link #I}. */
  private static final VectorSpecies<Short> H = halfWidth(short.class);
  /** Bytes of a quarter of the width, so that widening them to floats fills {@link #F}. */
  private static final VectorSpecies<Byte> Q =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final int PANEL = VectorKernels.PANEL_ROWS;
  private static final KernelProvider SCALAR = new ScalarKernelProvider();

  // Butterfly constants of the reductions: lanes whose index has bit s set, and the permutations
  // that swap lane i with lane i ^ s (absent when s >= L). A horizontal sum adds lane i to lane
  // i ^ 8, then ^ 4, ^ 2, ^ 1: reduceLanes(ADD) leaves the order of float additions unspecified,
  // and the interpreter, C1 and C2 pick different ones, so the same query would score an item
  // differently before and after warm-up; lane-wise adds and permutes are the same in every tier.
  // Four sums leave together through a transposed butterfly: x.blend(y, BITs) plus
  // y.blend(x, BITs) permuted by XORs puts x's pair sums in the lanes without bit s and y's in
  // those with it; after BIT1 and BIT2 lane i holds a partial sum of sum i % 4, and folding the
  // L/4 groups of four lanes onto the first completes the four.
  private static final VectorMask<Float> BIT1 = bitMask(1);
  private static final VectorMask<Float> BIT2 = bitMask(2);
  private static final VectorShuffle<Float> XOR1 = xorShuffle(1);
  private static final VectorShuffle<Float> XOR2 = xorShuffle(2);
  private static final VectorShuffle<Float> XOR4 = xorShuffle(4);
  private static final VectorShuffle<Float> XOR8 = xorShuffle(8);
  // Permutation tables of transpose16, lane values index the concatenation of two vectors:
  // LOs keeps lanes without bit s from the first and takes those with it from the second's
  // lane ^ s; HIs the converse. Absent unless L == 16.
  private static final FloatVector LO1 = transposeTable(1, false), HI1 = transposeTable(1, true);
  private static final FloatVector LO2 = transposeTable(2, false), HI2 = transposeTable(2, true);
  private static final FloatVector LO4 = transposeTable(4, false), HI4 = transposeTable(4, true);
  private static final FloatVector LO8 = transposeTable(8, false), HI8 = transposeTable(8, true);
  private static final FloatVector IOTA = FloatVector.zero(F).addIndex(1);

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

  // ---------------------------------------------------------------- single pairs

  @Override
  public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    // Four accumulators hide the FMA latency: one chain would wait about 4 cycles per FMA while
    // the units can start one or two per cycle.
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i <= length - 4 * L; i += 4 * L) {
      s0 = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), s0);
      s1 = FloatVector.fromArray(F, a, aOffset + i + L).fma(FloatVector.fromArray(F, b, bOffset + i + L), s1);
      s2 = FloatVector.fromArray(F, a, aOffset + i + 2 * L).fma(FloatVector.fromArray(F, b, bOffset + i + 2 * L), s2);
      s3 = FloatVector.fromArray(F, a, aOffset + i + 3 * L).fma(FloatVector.fromArray(F, b, bOffset + i + 3 * L), s3);
    }
    for (; i <= length - L; i += L) {
      s0 = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), s0);
    }
    if (i < length) {
      // A masked load reads the tail without a scalar loop and never touches memory past it.
      VectorMask<Float> m = F.indexInRange(i, length);
      s1 = FloatVector.fromArray(F, a, aOffset + i, m)
          .fma(FloatVector.fromArray(F, b, bOffset + i, m), s1);
    }
    FloatVector v = s0.add(s1).add(s2.add(s3));
    v = L == 16 ? v.add(v.rearrange(XOR8)) : v;
    v = L >= 8 ? v.add(v.rearrange(XOR4)) : v;
    v = v.add(v.rearrange(XOR2));
    return v.add(v.rearrange(XOR1)).lane(0);
  }

  @Override
  public float dot(float[] q, MemorySegment segment, long offset, int length) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i <= length - 4 * L; i += 4 * L) {
      long o = offset + (long) i * Float.BYTES;
      s0 = FloatVector.fromMemorySegment(F, segment, o, LE).fma(FloatVector.fromArray(F, q, i), s0);
      s1 = FloatVector.fromMemorySegment(F, segment, o + L * 4L, LE).fma(FloatVector.fromArray(F, q, i + L), s1);
      s2 = FloatVector.fromMemorySegment(F, segment, o + L * 8L, LE).fma(FloatVector.fromArray(F, q, i + 2 * L), s2);
      s3 = FloatVector.fromMemorySegment(F, segment, o + L * 12L, LE).fma(FloatVector.fromArray(F, q, i + 3 * L), s3);
    }
    for (; i <= length - L; i += L) {
      s0 = FloatVector.fromMemorySegment(F, segment, offset + (long) i * Float.BYTES, LE).fma(FloatVector.fromArray(F, q, i), s0);
    }
    if (i < length) {
      VectorMask<Float> m = F.indexInRange(i, length);
      s1 = FloatVector.fromMemorySegment(F, segment, offset + (long) i * Float.BYTES, LE, m)
          .fma(FloatVector.fromArray(F, q, i, m), s1);
    }
    FloatVector v = s0.add(s1).add(s2.add(s3));
    v = L == 16 ? v.add(v.rearrange(XOR8)) : v;
    v = L >= 8 ? v.add(v.rearrange(XOR4)) : v;
    v = v.add(v.rearrange(XOR2));
    return v.add(v.rearrange(XOR1)).lane(0);
  }

  @Override
  public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i <= length - 4 * L; i += 4 * L) {
      FloatVector ds0 = FloatVector.fromArray(F, a, aOffset + i).sub(FloatVector.fromArray(F, b, bOffset + i));
      s0 = ds0.fma(ds0, s0);
      FloatVector ds1 = FloatVector.fromArray(F, a, aOffset + i + L).sub(FloatVector.fromArray(F, b, bOffset + i + L));
      s1 = ds1.fma(ds1, s1);
      FloatVector ds2 = FloatVector.fromArray(F, a, aOffset + i + 2 * L).sub(FloatVector.fromArray(F, b, bOffset + i + 2 * L));
      s2 = ds2.fma(ds2, s2);
      FloatVector ds3 = FloatVector.fromArray(F, a, aOffset + i + 3 * L).sub(FloatVector.fromArray(F, b, bOffset + i + 3 * L));
      s3 = ds3.fma(ds3, s3);
    }
    for (; i <= length - L; i += L) {
      FloatVector ds0 = FloatVector.fromArray(F, a, aOffset + i).sub(FloatVector.fromArray(F, b, bOffset + i));
      s0 = ds0.fma(ds0, s0);
    }
    if (i < length) {
      // Masked-off lanes load as zero on both sides, so their difference adds nothing.
      VectorMask<Float> m = F.indexInRange(i, length);
      FloatVector ds1 = FloatVector.fromArray(F, a, aOffset + i, m).sub(FloatVector.fromArray(F, b, bOffset + i, m));
      s1 = ds1.fma(ds1, s1);
    }
    FloatVector v = s0.add(s1).add(s2.add(s3));
    v = L == 16 ? v.add(v.rearrange(XOR8)) : v;
    v = L >= 8 ? v.add(v.rearrange(XOR4)) : v;
    v = v.add(v.rearrange(XOR2));
    return v.add(v.rearrange(XOR1)).lane(0);
  }

  @Override
  public float squareDistance(float[] q, MemorySegment segment, long offset, int length) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i <= length - 4 * L; i += 4 * L) {
      long o = offset + (long) i * Float.BYTES;
      FloatVector ds0 = FloatVector.fromMemorySegment(F, segment, o, LE).sub(FloatVector.fromArray(F, q, i));
      s0 = ds0.fma(ds0, s0);
      FloatVector ds1 = FloatVector.fromMemorySegment(F, segment, o + L * 4L, LE).sub(FloatVector.fromArray(F, q, i + L));
      s1 = ds1.fma(ds1, s1);
      FloatVector ds2 = FloatVector.fromMemorySegment(F, segment, o + L * 8L, LE).sub(FloatVector.fromArray(F, q, i + 2 * L));
      s2 = ds2.fma(ds2, s2);
      FloatVector ds3 = FloatVector.fromMemorySegment(F, segment, o + L * 12L, LE).sub(FloatVector.fromArray(F, q, i + 3 * L));
      s3 = ds3.fma(ds3, s3);
    }
    for (; i <= length - L; i += L) {
      FloatVector ds0 = FloatVector.fromMemorySegment(F, segment, offset + (long) i * Float.BYTES, LE).sub(FloatVector.fromArray(F, q, i));
      s0 = ds0.fma(ds0, s0);
    }
    if (i < length) {
      VectorMask<Float> m = F.indexInRange(i, length);
      FloatVector ds1 = FloatVector.fromMemorySegment(F, segment, offset + (long) i * Float.BYTES, LE, m).sub(FloatVector.fromArray(F, q, i, m));
      s1 = ds1.fma(ds1, s1);
    }
    FloatVector v = s0.add(s1).add(s2.add(s3));
    v = L == 16 ? v.add(v.rearrange(XOR8)) : v;
    v = L >= 8 ? v.add(v.rearrange(XOR4)) : v;
    v = v.add(v.rearrange(XOR2));
    return v.add(v.rearrange(XOR1)).lane(0);
  }

  @Override
  public float cosine(float[] a, float[] b, int length) {
    // One pass with three sums; two of each so that every FMA chain has a partner in flight.
    FloatVector ab0 = FloatVector.zero(F), ab1 = ab0, aa0 = ab0, aa1 = ab0, bb0 = ab0, bb1 = ab0;
    int i = 0;
    for (; i <= length - 2 * L; i += 2 * L) {
      FloatVector x0 = FloatVector.fromArray(F, a, i), y0 = FloatVector.fromArray(F, b, i), x1 = FloatVector.fromArray(F, a, i + L), y1 = FloatVector.fromArray(F, b, i + L);
      ab0 = x0.fma(y0, ab0);
      aa0 = x0.fma(x0, aa0);
      bb0 = y0.fma(y0, bb0);
      ab1 = x1.fma(y1, ab1);
      aa1 = x1.fma(x1, aa1);
      bb1 = y1.fma(y1, bb1);
    }
    // At most two vectors remain; masked loads cover the whole one and the tail alike.
    for (; i < length; i += L) {
      VectorMask<Float> m = F.indexInRange(i, length);
      FloatVector x = FloatVector.fromArray(F, a, i, m), y = FloatVector.fromArray(F, b, i, m);
      ab0 = x.fma(y, ab0);
      aa0 = x.fma(x, aa0);
      bb0 = y.fma(y, bb0);
    }
    FloatVector vDot = ab0.add(ab1);
    vDot = L == 16 ? vDot.add(vDot.rearrange(XOR8)) : vDot;
    vDot = L >= 8 ? vDot.add(vDot.rearrange(XOR4)) : vDot;
    vDot = vDot.add(vDot.rearrange(XOR2));
    float dot = vDot.add(vDot.rearrange(XOR1)).lane(0);
    FloatVector vNa = aa0.add(aa1);
    vNa = L == 16 ? vNa.add(vNa.rearrange(XOR8)) : vNa;
    vNa = L >= 8 ? vNa.add(vNa.rearrange(XOR4)) : vNa;
    vNa = vNa.add(vNa.rearrange(XOR2));
    float na = vNa.add(vNa.rearrange(XOR1)).lane(0);
    FloatVector vNb = bb0.add(bb1);
    vNb = L == 16 ? vNb.add(vNb.rearrange(XOR8)) : vNb;
    vNb = L >= 8 ? vNb.add(vNb.rearrange(XOR4)) : vNb;
    vNb = vNb.add(vNb.rearrange(XOR2));
    float nb = vNb.add(vNb.rearrange(XOR1)).lane(0);
    return na == 0 || nb == 0 ? 0f : (float) (dot / Math.sqrt((double) na * nb));
  }

  // ---------------------------------------------------------------- one query, many rows

  /*
   * Row scans. Short rows (dim <= 4L) keep the query in registers and score a row per step with
   * straight-line code. Long rows score four rows per step, one from each quarter of the range:
   * four independent FMA chains, while memory is still read as four sequential streams (four
   * adjacent rows read chunk by chunk defeat the hardware prefetchers and halve the bandwidth).
   * Their loop is one flat loop over (row, chunk) pairs: a chunk loop nested in the row loop
   * would be entered once per row, and the JIT's per-entry loop setup (range-check predicates,
   * pre- and post-loops) costs more than a few chunks. The four sums leave through a butterfly
   * (see BIT1) instead of four horizontal reductions.
   *
   * A partial last chunk is read with a full-width load that ends at the row's end (for rows
   * shorter than a vector: starts at its start), and a blend zeroes the lanes outside the row.
   * Masked segment loads would do the same but inline into far more code, and every kernel here
   * must stay small: the JIT's per-method node budget is shared by everything inlined into it.
   */

  @Override
  public void dotRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                      float[] scores, int scoresOffset) {
    if (dim <= 4 * L) {
      dotShortRows(q, segment, offset, rows, dim, scores, scoresOffset);
    } else {
      dotLongRows(q, segment, offset, rows, dim, scores, scoresOffset);
    }
  }

  @Override
  public void squareDistanceRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                                 float[] scores, int scoresOffset) {
    if (dim <= 4 * L) {
      squareDistanceShortRows(q, segment, offset, rows, dim, scores, scoresOffset);
    } else {
      squareDistanceLongRows(q, segment, offset, rows, dim, scores, scoresOffset);
    }
  }

  private void dotShortRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
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
      scores[scoresOffset + r] = dot(q, segment, offset + r * rowBytes, dim);
    }
  }

  private void squareDistanceShortRows(float[] q, MemorySegment segment, long offset, int rows,
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
      scores[scoresOffset + r] = squareDistance(q, segment, offset + r * rowBytes, dim);
    }
  }

  private void dotLongRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
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
      scores[scoresOffset + r] = dot(q, segment, offset + r * rowBytes, dim);
    }
  }

  private void squareDistanceLongRows(float[] q, MemorySegment segment, long offset, int rows,
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
      scores[scoresOffset + r] = squareDistance(q, segment, offset + r * rowBytes, dim);
    }
  }

  /*
   * Gathered rows: the rows of a graph node's neighbours lie anywhere in memory, and each is
   * usually a cache miss. Four rows per step, read chunk by chunk side by side, put four misses
   * in flight at once instead of one after another; the loop is flat over (group, chunk) pairs
   * as in dotLongRows. A last group of fewer than four repeats its last row (a cache hit) rather
   * than scoring the leftovers one by one: a walk's lists of unvisited neighbours are short, so
   * leftovers are a large share of its rows. Rows shorter than a vector go one by one.
   */

  @Override
  public void dotRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim,
                      float[] scores) {
    int full = dim / L, rem = dim % L, chunks = full + (rem == 0 ? 0 : 1);
    int groups = dim < L ? 0 : (count + 3) / 4;
    long rowBytes = (long) dim * Float.BYTES;
    FloatVector zero = FloatVector.zero(F), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    long o0 = 0, o1 = 0, o2 = 0, o3 = 0;
    int k = 0, c = 0;
    while (k < groups) {
      if (c == 0) {
        int r = 4 * k, last = count - 1;
        o0 = ordinals[r] * rowBytes;
        o1 = ordinals[Math.min(r + 1, last)] * rowBytes;
        o2 = ordinals[Math.min(r + 2, last)] * rowBytes;
        o3 = ordinals[Math.min(r + 3, last)] * rowBytes;
      }
      boolean partial = c == full;
      int j = partial ? dim - L : c * L;
      // Zeroing the overlapped lanes of the query, once for the four rows, cancels them as
      // zeroing them in each row would for finite rows (indexes hold only finite vectors; an
      // infinity there would score NaN instead of infinite).
      FloatVector qv = zero.blend(FloatVector.fromArray(F, q, j), IOTA.compare(VectorOperators.GE, partial ? L - rem : 0));
      long b = (long) j * Float.BYTES;
      a0 = FloatVector.fromMemorySegment(F, segment, o0 + b, LE).fma(qv, a0);
      a1 = FloatVector.fromMemorySegment(F, segment, o1 + b, LE).fma(qv, a1);
      a2 = FloatVector.fromMemorySegment(F, segment, o2 + b, LE).fma(qv, a2);
      a3 = FloatVector.fromMemorySegment(F, segment, o3 + b, LE).fma(qv, a3);
      if (++c == chunks) {
        // The transposed reduction of the four sums (see the comment on BIT1).
        FloatVector w01 = a0.blend(a1, BIT1).add(a1.blend(a0, BIT1).rearrange(XOR1));
        FloatVector w23 = a2.blend(a3, BIT1).add(a3.blend(a2, BIT1).rearrange(XOR1));
        FloatVector sums = w01.blend(w23, BIT2).add(w23.blend(w01, BIT2).rearrange(XOR2));
        sums = L >= 8 ? sums.add(sums.rearrange(XOR4)) : sums;
        sums = L == 16 ? sums.add(sums.rearrange(XOR8)) : sums;
        int at = 4 * k, n = count - at;
        scores[at] = sums.lane(0);
        if (n > 1) {
          scores[at + 1] = sums.lane(1);
        }
        if (n > 2) {
          scores[at + 2] = sums.lane(2);
        }
        if (n > 3) {
          scores[at + 3] = sums.lane(3);
        }
        a0 = zero;
        a1 = zero;
        a2 = zero;
        a3 = zero;
        c = 0;
        k++;
      }
    }
    for (int r = 4 * groups; r < count; r++) {
      scores[r] = dot(q, segment, ordinals[r] * rowBytes, dim);
    }
  }

  @Override
  public void squareDistanceRows(float[] q, MemorySegment segment, int[] ordinals, int count,
                                 int dim, float[] scores) {
    int full = dim / L, rem = dim % L, chunks = full + (rem == 0 ? 0 : 1);
    int groups = dim < L ? 0 : (count + 3) / 4;
    long rowBytes = (long) dim * Float.BYTES;
    FloatVector zero = FloatVector.zero(F), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    long o0 = 0, o1 = 0, o2 = 0, o3 = 0;
    int k = 0, c = 0;
    while (k < groups) {
      if (c == 0) {
        int r = 4 * k, last = count - 1;
        o0 = ordinals[r] * rowBytes;
        o1 = ordinals[Math.min(r + 1, last)] * rowBytes;
        o2 = ordinals[Math.min(r + 2, last)] * rowBytes;
        o3 = ordinals[Math.min(r + 3, last)] * rowBytes;
      }
      boolean partial = c == full;
      int j = partial ? dim - L : c * L;
      VectorMask<Float> m = IOTA.compare(VectorOperators.GE, partial ? L - rem : 0);
      FloatVector qv = zero.blend(FloatVector.fromArray(F, q, j), m);
      long b = (long) j * Float.BYTES;
      FloatVector da0 = zero.blend(FloatVector.fromMemorySegment(F, segment, o0 + b, LE), m).sub(qv);
      a0 = da0.fma(da0, a0);
      FloatVector da1 = zero.blend(FloatVector.fromMemorySegment(F, segment, o1 + b, LE), m).sub(qv);
      a1 = da1.fma(da1, a1);
      FloatVector da2 = zero.blend(FloatVector.fromMemorySegment(F, segment, o2 + b, LE), m).sub(qv);
      a2 = da2.fma(da2, a2);
      FloatVector da3 = zero.blend(FloatVector.fromMemorySegment(F, segment, o3 + b, LE), m).sub(qv);
      a3 = da3.fma(da3, a3);
      if (++c == chunks) {
        // The transposed reduction of the four sums (see the comment on BIT1).
        FloatVector w01 = a0.blend(a1, BIT1).add(a1.blend(a0, BIT1).rearrange(XOR1));
        FloatVector w23 = a2.blend(a3, BIT1).add(a3.blend(a2, BIT1).rearrange(XOR1));
        FloatVector sums = w01.blend(w23, BIT2).add(w23.blend(w01, BIT2).rearrange(XOR2));
        sums = L >= 8 ? sums.add(sums.rearrange(XOR4)) : sums;
        sums = L == 16 ? sums.add(sums.rearrange(XOR8)) : sums;
        int at = 4 * k, n = count - at;
        scores[at] = sums.lane(0);
        if (n > 1) {
          scores[at + 1] = sums.lane(1);
        }
        if (n > 2) {
          scores[at + 2] = sums.lane(2);
        }
        if (n > 3) {
          scores[at + 3] = sums.lane(3);
        }
        a0 = zero;
        a1 = zero;
        a2 = zero;
        a3 = zero;
        c = 0;
        k++;
      }
    }
    for (int r = 4 * groups; r < count; r++) {
      scores[r] = squareDistance(q, segment, ordinals[r] * rowBytes, dim);
    }
  }

  /*
   * Gathered int8 rows: as dotRows by ordinals, four rows in flight, each chunk of L codes
   * sign-extended straight to L floats (one widening conversion) and multiplied by L weights.
   * The partial last chunk reads the row's last L codes and zeroes the overlapped lanes in the
   * weights, once for all four rows. Other widths (NEON's 4 float lanes have no byte species
   * of 4 lanes) and rows shorter than L go row by row.
   */

  @Override
  public void dotInt8Rows(float[] w, MemorySegment codes, int[] ordinals, int count, int dim,
                          float[] scores) {
    int full = dim / L, rem = dim % L, chunks = full + (rem == 0 ? 0 : 1);
    int groups = dim < L || Q.length() != L ? 0 : (count + 3) / 4;
    FloatVector zero = FloatVector.zero(F), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    long o0 = 0, o1 = 0, o2 = 0, o3 = 0;
    int k = 0, c = 0;
    while (k < groups) {
      if (c == 0) {
        int r = 4 * k, last = count - 1;
        o0 = (long) ordinals[r] * dim;
        o1 = (long) ordinals[Math.min(r + 1, last)] * dim;
        o2 = (long) ordinals[Math.min(r + 2, last)] * dim;
        o3 = (long) ordinals[Math.min(r + 3, last)] * dim;
      }
      boolean partial = c == full;
      int j = partial ? dim - L : c * L;
      FloatVector wv = zero.blend(FloatVector.fromArray(F, w, j), IOTA.compare(VectorOperators.GE, partial ? L - rem : 0));
      a0 = ((FloatVector) ByteVector.fromMemorySegment(Q, codes, o0 + j, LE).convertShape(VectorOperators.B2F, F, 0)).fma(wv, a0);
      a1 = ((FloatVector) ByteVector.fromMemorySegment(Q, codes, o1 + j, LE).convertShape(VectorOperators.B2F, F, 0)).fma(wv, a1);
      a2 = ((FloatVector) ByteVector.fromMemorySegment(Q, codes, o2 + j, LE).convertShape(VectorOperators.B2F, F, 0)).fma(wv, a2);
      a3 = ((FloatVector) ByteVector.fromMemorySegment(Q, codes, o3 + j, LE).convertShape(VectorOperators.B2F, F, 0)).fma(wv, a3);
      if (++c == chunks) {
        // The transposed reduction of the four sums (see the comment on BIT1).
        FloatVector w01 = a0.blend(a1, BIT1).add(a1.blend(a0, BIT1).rearrange(XOR1));
        FloatVector w23 = a2.blend(a3, BIT1).add(a3.blend(a2, BIT1).rearrange(XOR1));
        FloatVector sums = w01.blend(w23, BIT2).add(w23.blend(w01, BIT2).rearrange(XOR2));
        sums = L >= 8 ? sums.add(sums.rearrange(XOR4)) : sums;
        sums = L == 16 ? sums.add(sums.rearrange(XOR8)) : sums;
        int at = 4 * k, n = count - at;
        scores[at] = sums.lane(0);
        if (n > 1) {
          scores[at + 1] = sums.lane(1);
        }
        if (n > 2) {
          scores[at + 2] = sums.lane(2);
        }
        if (n > 3) {
          scores[at + 3] = sums.lane(3);
        }
        a0 = zero;
        a1 = zero;
        a2 = zero;
        a3 = zero;
        c = 0;
        k++;
      }
    }
    for (int r = 4 * groups; r < count; r++) {
      long o = (long) ordinals[r] * dim;
      float sum = 0;
      for (int j = 0; j < dim; j++) {
        sum += w[j] * codes.get(ValueLayout.JAVA_BYTE, o + j);
      }
      scores[r] = sum;
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

  // ---------------------------------------------------------------- panels: many queries, many rows

  /**
   * Copies 16 x 16 blocks with an in-register transpose (four rounds of two-table permutes) and
   * the ragged edges element by element: two to three times faster than element by element
   * throughout (dim 64 to 768). Other widths copy element by element.
   */
  @Override
  public void packPanel(MemorySegment segment, long offset, int rows, int dim, float[] panel) {
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
  @Override
  public void dotPanel(float[] queries, int q0, int queryCount, int dim, float[] panel, float[] scores) {
    tiles(queries, q0 * dim, queryCount, dim, panel, null, 0, PANEL, false, scores, 0, PANEL);
  }

  @Override
  public void densePanel(float[] x, int xOffset, int rowCount, int dim, float[] panel, float[] bias,
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
        tile4x4(x, x0 + i * dim, dim, panel, c, out, at, stride, cols - c);
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

  private static void tile4x4(float[] queries, int qa, int dim, float[] panel, int c, float[] out,
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
    if (cols >= 4 * L) {
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
    } else {
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

  /**
   * Whole vectors, then one masked vector for the tail, its mask made from a bit pattern (one
   * mask-register move) rather than by {@code indexInRange}, which measured slower here. A
   * narrower species instead would make the JIT's type profiles of the vector classes
   * polymorphic, which stops it from inlining the other kernels' vector code.
   */
  @Override
  public void loadRow(MemorySegment segment, long offset, int length, float[] dst, int dstOffset,
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

  // ---------------------------------------------------------------- quantized and half precision

  @Override
  public int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
    // Bytes widen to shorts, whose products (|p| <= 2^14) cannot overflow; the products then
    // widen to ints in two halves. Multiplying shorts does twice the lanes per instruction of ints.
    IntVector acc0 = IntVector.zero(I), acc1 = acc0;
    int n = B.length(), i = 0;
    for (; i <= length - n; i += n) {
      ShortVector pa = ByteVector.fromArray(B, a, aOffset + i).convertShape(VectorOperators.B2S, S, 0)
          .reinterpretAsShorts();
      ShortVector pb = ByteVector.fromArray(B, b, bOffset + i).convertShape(VectorOperators.B2S, S, 0)
          .reinterpretAsShorts();
      ShortVector prod = pa.mul(pb);
      acc0 = acc0.add(prod.convertShape(VectorOperators.S2I, I, 0));
      acc1 = acc1.add(prod.convertShape(VectorOperators.S2I, I, 1));
    }
    int sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < length; i++) {
      sum += a[aOffset + i] * b[bOffset + i];
    }
    return sum;
  }

  @Override
  public int dotInt8(byte[] q, MemorySegment segment, long offset, int length) {
    IntVector acc0 = IntVector.zero(I), acc1 = acc0;
    int n = B.length(), i = 0;
    for (; i <= length - n; i += n) {
      ShortVector pa = ByteVector.fromArray(B, q, i).convertShape(VectorOperators.B2S, S, 0)
          .reinterpretAsShorts();
      ShortVector pb = ByteVector.fromMemorySegment(B, segment, offset + i, LE)
          .convertShape(VectorOperators.B2S, S, 0).reinterpretAsShorts();
      ShortVector prod = pa.mul(pb);
      acc0 = acc0.add(prod.convertShape(VectorOperators.S2I, I, 0));
      acc1 = acc1.add(prod.convertShape(VectorOperators.S2I, I, 1));
    }
    int sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < length; i++) {
      sum += q[i] * segment.get(ValueLayout.JAVA_BYTE, offset + i);
    }
    return sum;
  }

  /**
   * Converts halves to floats with integer operations, since JDK 25's Vector API has no fp16
   * conversion: moving exponent and mantissa into float position and multiplying by 2^112
   * rebiases the exponent (15 to 127) exactly, subnormal halves included (they arrive as float
   * subnormals and leave normal); infinities and NaNs get the all-ones float exponent. At dim
   * 768 this runs about 8x faster than the scalar kernel, and faster than converting into a
   * scratch array with the loop over {@link Float#float16ToFloat} that the JIT vectorises.
   */
  @Override
  public float dotFloat16(float[] q, MemorySegment segment, long offset, int length) {
    // One loop body, conversion written out: a helper this size is not reliably inlined, and a
    // vector returned from a call that is not inlined is boxed. Two sums taken in turn halve
    // the FMA dependency chain.
    FloatVector s0 = FloatVector.zero(F), s1 = s0;
    int i = 0;
    for (; i <= length - L; i += L) {
      IntVector h = ShortVector.fromMemorySegment(H, segment, offset + (long) i * Short.BYTES, LE)
          .convertShape(VectorOperators.S2I, I, 0).reinterpretAsInts();
      IntVector magnitude = h.and(0x7FFF);
      IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
      IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
      IntVector bits = finite
          .blend(shifted.or(0x7F800000), magnitude.compare(VectorOperators.GE, 0x7C00))
          .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
      FloatVector sum = bits.reinterpretAsFloats().fma(FloatVector.fromArray(F, q, i), s1);
      s1 = s0;
      s0 = sum;
    }
    FloatVector vTotal = s0.add(s1);
    vTotal = L == 16 ? vTotal.add(vTotal.rearrange(XOR8)) : vTotal;
    vTotal = L >= 8 ? vTotal.add(vTotal.rearrange(XOR4)) : vTotal;
    vTotal = vTotal.add(vTotal.rearrange(XOR2));
    float total = vTotal.add(vTotal.rearrange(XOR1)).lane(0);
    for (; i < length; i++) {
      total += q[i] * Float.float16ToFloat(
          segment.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset + (long) i * Short.BYTES));
    }
    return total;
  }

  // ---------------------------------------------------------------- selection

  @Override
  public int firstAbove(float[] values, int from, int to, float threshold) {
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
    for (; i < to; i += L) {
      VectorMask<Float> in = F.indexInRange(i, to);
      VectorMask<Float> m = FloatVector.fromArray(F, values, i, in)
          .compare(VectorOperators.GT, threshold, in);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    return to;
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

  // ---------------------------------------------------------------- helpers

  private static <E> VectorSpecies<E> halfWidth(Class<E> type) {
    return VectorSpecies.of(type, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
  }

  private static VectorMask<Float> bitMask(int s) {
    long bits = 0;
    for (int i = 0; i < L; i++) {
      bits |= (long) ((i & s) == 0 ? 0 : 1) << i;
    }
    return VectorMask.fromLong(F, bits);
  }

  private static FloatVector transposeTable(int s, boolean high) {
    if (L != 16) {
      return null;
    }
    float[] index = new float[L];
    for (int l = 0; l < L; l++) {
      boolean bit = (l & s) != 0;
      index[l] = high ? (bit ? L + l : l ^ s) : (bit ? L + (l ^ s) : l);
    }
    return FloatVector.fromArray(F, index, 0);
  }

  private static VectorShuffle<Float> xorShuffle(int s) {
    return s < L ? VectorShuffle.fromOp(F, i -> i ^ s) : null;
  }
}

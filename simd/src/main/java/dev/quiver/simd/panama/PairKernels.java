package dev.quiver.simd.panama;

import static dev.quiver.simd.panama.Shapes.*;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Kernels on one pair of vectors: dot products, squared distances and cosine, two arrays or an
 * array and a row of a segment. Stateless; thread-safe.
 */
final class PairKernels {
  private PairKernels() {}

  static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
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

  static float dot(float[] q, MemorySegment segment, long offset, int length) {
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

  static float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
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

  static float squareDistance(float[] q, MemorySegment segment, long offset, int length) {
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

  static float cosine(float[] a, float[] b, int length) {
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
}

package dev.quiver.simd.panama;

import static dev.quiver.simd.panama.Shapes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Kernels on int8 and IEEE half-precision vectors: int8 dot products (pairs, and float weights
 * against gathered int8 rows) and the float-by-fp16 dot product.
 *
 * <p>Gathered int8 rows: as dotRows by ordinals, four rows in flight, each chunk of L codes
 * sign-extended straight to L floats (one widening conversion) and multiplied by L weights.
 * The partial last chunk reads the row's last L codes and zeroes the overlapped lanes in the
 * weights, once for all four rows. Other widths (NEON's 4 float lanes have no byte species
 * of 4 lanes) and rows shorter than L go row by row.
 *
 * <p>Stateless; thread-safe.
 */
final class QuantizedKernels {
  private QuantizedKernels() {}

  static int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
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

  static int dotInt8(byte[] q, MemorySegment segment, long offset, int length) {
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

  static void dotInt8Rows(float[] w, MemorySegment codes, int[] ordinals, int count, int dim,
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
   * Converts halves to floats with integer operations, since JDK 25's Vector API has no fp16
   * conversion: moving exponent and mantissa into float position and multiplying by 2^112
   * rebiases the exponent (15 to 127) exactly, subnormal halves included (they arrive as float
   * subnormals and leave normal); infinities and NaNs get the all-ones float exponent. At dim
   * 768 this runs about 8x faster than the scalar kernel, and faster than converting into a
   * scratch array with the loop over {@link Float#float16ToFloat} that the JIT vectorises.
   */
  static float dotFloat16(float[] q, MemorySegment segment, long offset, int length) {
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
}

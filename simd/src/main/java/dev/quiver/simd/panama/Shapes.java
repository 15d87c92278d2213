package dev.quiver.simd.panama;

import dev.quiver.simd.VectorKernels;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The species, masks, shuffles and permutation tables every Panama kernel class shares, at the
 * preferred species width (16 float lanes with AVX-512, 8 with AVX2, 4 with NEON). Each is a
 * {@code static final} constant: the JIT intrinsifies Vector API calls only when it can see
 * their species, masks and shuffles as constants.
 */
final class Shapes {
  private Shapes() {}

  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();
  static final VectorSpecies<Integer> I = F.withLanes(int.class);
  /** Shorts of the full width: the products of two int8 vectors that {@link #B} widens. */
  static final VectorSpecies<Short> S = F.withLanes(short.class);
  /** Bytes of half the width, so that widening them to shorts fills {@link #S}. */
  static final VectorSpecies<Byte> B = halfWidth(byte.class);
  /** Shorts of half the width, so that widening fp16 bits to ints fills {@link #I}. */
  static final VectorSpecies<Short> H = halfWidth(short.class);
  /** Bytes of a quarter of the width, so that widening them to floats fills {@link #F}. */
  static final VectorSpecies<Byte> Q =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
  static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  static final int PANEL = VectorKernels.PANEL_ROWS;

  // Butterfly constants of the reductions: lanes whose index has bit s set, and the permutations
  // that swap lane i with lane i ^ s (absent when s >= L). A horizontal sum adds lane i to lane
  // i ^ 8, then ^ 4, ^ 2, ^ 1: reduceLanes(ADD) leaves the order of float additions unspecified,
  // and the interpreter, C1 and C2 pick different ones, so the same query would score an item
  // differently before and after warm-up; lane-wise adds and permutes are the same in every tier.
  // Four sums leave together through a transposed butterfly: x.blend(y, BITs) plus
  // y.blend(x, BITs) permuted by XORs puts x's pair sums in the lanes without bit s and y's in
  // those with it; after BIT1 and BIT2 lane i holds a partial sum of sum i % 4, and folding the
  // L/4 groups of four lanes onto the first completes the four.
  static final VectorMask<Float> BIT1 = bitMask(1);
  static final VectorMask<Float> BIT2 = bitMask(2);
  static final VectorShuffle<Float> XOR1 = xorShuffle(1);
  static final VectorShuffle<Float> XOR2 = xorShuffle(2);
  static final VectorShuffle<Float> XOR4 = xorShuffle(4);
  static final VectorShuffle<Float> XOR8 = xorShuffle(8);
  // Permutation tables of transpose16, lane values index the concatenation of two vectors:
  // LOs keeps lanes without bit s from the first and takes those with it from the second's
  // lane ^ s; HIs the converse. Absent unless L == 16.
  static final FloatVector LO1 = transposeTable(1, false), HI1 = transposeTable(1, true);
  static final FloatVector LO2 = transposeTable(2, false), HI2 = transposeTable(2, true);
  static final FloatVector LO4 = transposeTable(4, false), HI4 = transposeTable(4, true);
  static final FloatVector LO8 = transposeTable(8, false), HI8 = transposeTable(8, true);
  static final FloatVector IOTA = FloatVector.zero(F).addIndex(1);

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

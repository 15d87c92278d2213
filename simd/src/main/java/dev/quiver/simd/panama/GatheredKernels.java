package dev.quiver.simd.panama;

import static dev.quiver.simd.panama.Shapes.*;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Gathered rows: the rows of a graph node's neighbours lie anywhere in memory, and each is
 * usually a cache miss. Four rows per step, read chunk by chunk side by side, put four misses
 * in flight at once instead of one after another; the loop is flat over (group, chunk) pairs
 * as in the long-row scans of {@link RowKernels}. A last group of fewer than four repeats its last row (a cache hit) rather
 * than scoring the leftovers one by one: a walk's lists of unvisited neighbours are short, so
 * leftovers are a large share of its rows. Rows shorter than a vector go one by one.
 *
 * <p>Stateless; thread-safe.
 */
final class GatheredKernels {
  private GatheredKernels() {}

  static void dotRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim,
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
      scores[r] = PairKernels.dot(q, segment, ordinals[r] * rowBytes, dim);
    }
  }

  static void squareDistanceRows(float[] q, MemorySegment segment, int[] ordinals, int count,
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
      scores[r] = PairKernels.squareDistance(q, segment, ordinals[r] * rowBytes, dim);
    }
  }
}

package dev.quiver.pq;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 4-bit PQ "fast scan" of FAISS's {@code IndexIVFPQFastScan}: with 16 entries per
 * sub-quantizer, a lookup table fits a SIMD register and one byte shuffle looks up many items at
 * once, instead of one memory read per item and sub-quantizer.
 *
 * <p>Layout: items in blocks of {@value #BLOCK}; within a block, sub-quantizer {@code j} takes
 * 32 bytes, byte {@code t} holding item {@code t} in its low nibble and item {@code t + 32} in its
 * high one. A block is thus {@code 32 m} bytes ({@code m / 2} per item); a partial last block is
 * padded with zero codes, whose scores the caller ignores.
 *
 * <p>Tables: the float table of each sub-quantizer is shifted by its minimum and scaled by one
 * factor shared by all, so that every entry rounds to an unsigned byte; sums accumulate in 16-bit
 * lanes ({@code m <= 128} keeps them below 32,768). The score of an item is
 * {@code sum / scale + bias}, off from the float table sum by at most {@code m / (2 scale)}
 * ({@link Tables#errorBound}).
 *
 * <p>The scan itself is {@link VectorKernels#pqFastScan4}: byte shuffles on the Vector API where
 * vectors are 256 bits or wider, else a scalar loop with the same results. Stateless; thread-safe.
 */
public final class FastScan {
  /** Items per block. */
  public static final int BLOCK = VectorKernels.FAST_SCAN_BLOCK;
  /** Bytes per sub-quantizer table: the 16 entries, then a copy, so that a 32-lane load reads one table. */
  public static final int TABLE_STRIDE = VectorKernels.FAST_SCAN_TABLE_STRIDE;
  /** The largest m whose sums fit 16-bit lanes. */
  public static final int MAX_M = VectorKernels.FAST_SCAN_MAX_M;

  private FastScan() {}

  public static int blocks(int items) {
    return (items + BLOCK - 1) / BLOCK;
  }

  /** Bytes of the packed codes of {@code items} items. */
  public static long packedBytes(int items, int m) {
    return (long) blocks(items) * m * 32;
  }

  /**
   * Packs {@code n} codes of {@code m} bytes each (values below 16, back to back at
   * {@code codes[from * m ..]}) into blocks at byte {@code offset} of {@code out}.
   */
  public static void pack(byte[] codes, int from, int n, int m, MemorySegment out, long offset) {
    byte[] block = new byte[m * 32];
    for (int b = 0; b < blocks(n); b++) {
      java.util.Arrays.fill(block, (byte) 0);
      for (int t = 0; t < BLOCK && b * BLOCK + t < n; t++) {
        int item = from + b * BLOCK + t;
        for (int j = 0; j < m; j++) {
          int code = codes[item * m + j] & 0x0f;
          block[j * 32 + (t & 31)] |= (byte) (t < 32 ? code : code << 4);
        }
      }
      MemorySegment.copy(block, 0, out, ValueLayout.JAVA_BYTE, offset + (long) b * block.length, block.length);
    }
  }

  /**
   * Decodes item {@code item} of the blocks packed at byte {@code offset} of {@code codes} (the
   * inverse of {@link #pack}) with {@code pq} into {@code out}: finds its {@code m} nibbles in place.
   */
  public static void decode(MemorySegment codes, long offset, int item, ProductQuantizer pq, float[] out) {
    int m = pq.m();
    int t = item % BLOCK;
    long base = offset + (long) (item / BLOCK) * m * 32 + (t & 31);
    int shift = t < 32 ? 0 : 4;
    for (int j = 0; j < m; j++) {
      pq.decode(j, (codes.get(ValueLayout.JAVA_BYTE, base + j * 32L) >> shift) & 0x0f, out);
    }
  }

  /** Quantised lookup tables of one query (and list). Reused per thread. */
  public static final class Tables {
    final byte[] bytes;
    final int m;
    float inverseScale;
    float bias;

    public Tables(int m) {
      this.m = m;
      this.bytes = new byte[m * TABLE_STRIDE];
    }

    /** Quantises the float tables of {@code m} sub-quantizers of 16 entries ({@link ProductQuantizer}'s layout). */
    public void quantize(float[] table) {
      float maxSpan = 0;
      double bias = 0;
      for (int j = 0; j < m; j++) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < 16; c++) {
          lo = Math.min(lo, table[j * 16 + c]);
          hi = Math.max(hi, table[j * 16 + c]);
        }
        maxSpan = Math.max(maxSpan, hi - lo);
        bias += lo;
      }
      float scale = maxSpan > 0 ? 255f / maxSpan : 1f;
      for (int j = 0; j < m; j++) {
        float lo = Float.POSITIVE_INFINITY;
        for (int c = 0; c < 16; c++) {
          lo = Math.min(lo, table[j * 16 + c]);
        }
        for (int c = 0; c < 16; c++) {
          byte q = (byte) Math.round((table[j * 16 + c] - lo) * scale);
          bytes[j * TABLE_STRIDE + c] = q;
          bytes[j * TABLE_STRIDE + 16 + c] = q;
        }
      }
      this.inverseScale = 1f / scale;
      this.bias = (float) bias;
    }

    /** The bound on {@code |fast-scan score - float table sum|}, before float rounding. */
    public float errorBound() {
      return m * 0.5f * inverseScale;
    }

    /** Scores {@code blocks} blocks at {@code offset} of {@code codes}, adding {@code extraBias}. */
    public void scan(MemorySegment codes, long offset, int blocks, float extraBias, float[] out, int outOffset) {
      VectorKernels.pqFastScan4(codes, offset, blocks, m, bytes, inverseScale, bias + extraBias, out, outOffset);
    }
  }
}

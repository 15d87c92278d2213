package dev.quiver.pq;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * PQ "fast scan", as FAISS's {@code IndexIVFPQFastScan} does for 4-bit codes, here for 4- and
 * 8-bit codes: the lookup tables are quantised to bytes and the codes stored item-interleaved in
 * blocks, so that one byte shuffle looks up many items at once instead of one memory read per
 * item and sub-quantizer.
 *
 * <p>Layout: items in blocks of {@value #BLOCK}. With 4 bits, sub-quantizer {@code j} of a block
 * takes 32 bytes, byte {@code t} holding item {@code t} in its low nibble and item {@code t + 32}
 * in its high one ({@code m / 2} bytes per item). With 8 bits it takes 64 bytes, byte {@code t}
 * the code of item {@code t} ({@code m} bytes per item, as unpacked codes). A partial last block
 * is padded with zero codes, whose scores the caller ignores.
 *
 * <p>Tables: the float table of each sub-quantizer is shifted by its minimum and scaled by one
 * factor shared by all, so that every entry rounds to an unsigned byte; sums accumulate in 16-bit
 * lanes ({@code m <= 128} keeps them below 32,768). The score of an item is
 * {@code sum / scale + bias}, off from the float table sum by at most {@code m / (2 scale)}
 * ({@link Tables#errorBound}).
 *
 * <p>The scans are {@link VectorKernels#pqFastScan4} and {@link VectorKernels#pqFastScan8}.
 * Stateless; thread-safe.
 */
public final class FastScan {
  /** Items per block. */
  public static final int BLOCK = VectorKernels.FAST_SCAN_BLOCK;
  /** The largest m whose sums fit 16-bit lanes. */
  public static final int MAX_M = VectorKernels.FAST_SCAN_MAX_M;

  private FastScan() {}

  /** True for the code sizes with a fast-scan layout, 4 and 8 bits. */
  public static boolean supports(int nbits) {
    return nbits == 4 || nbits == 8;
  }

  public static int blocks(int items) {
    return (items + BLOCK - 1) / BLOCK;
  }

  /** Bytes of one block of {@code m} sub-quantizers of {@code nbits} (4 or 8). */
  public static long blockBytes(int m, int nbits) {
    return (long) m * (nbits == 4 ? 32 : BLOCK);
  }

  /** Bytes of the packed codes of {@code items} items. */
  public static long packedBytes(int items, int m, int nbits) {
    return blocks(items) * blockBytes(m, nbits);
  }

  /**
   * Packs {@code n} codes of {@code m} bytes each (back to back at {@code codes[from * m ..]},
   * values below {@code 2^nbits}) into blocks at byte {@code offset} of {@code out}.
   */
  public static void pack(byte[] codes, int from, int n, int m, int nbits, MemorySegment out, long offset) {
    byte[] block = new byte[(int) blockBytes(m, nbits)];
    for (int b = 0; b < blocks(n); b++) {
      Arrays.fill(block, (byte) 0);
      for (int t = 0; t < BLOCK && b * BLOCK + t < n; t++) {
        int item = from + b * BLOCK + t;
        for (int j = 0; j < m; j++) {
          byte code = codes[item * m + j];
          if (nbits == 4) {
            block[j * 32 + (t & 31)] |= (byte) (t < 32 ? code & 0x0f : (code & 0x0f) << 4);
          } else {
            block[j * BLOCK + t] = code;
          }
        }
      }
      MemorySegment.copy(block, 0, out, ValueLayout.JAVA_BYTE, offset + (long) b * block.length, block.length);
    }
  }

  /**
   * Decodes item {@code item} of the blocks packed at byte {@code offset} of {@code codes} (the
   * inverse of {@link #pack}) with {@code pq} into {@code out}: finds its {@code m} codes in place.
   */
  public static void decode(MemorySegment codes, long offset, int item, ProductQuantizer pq, float[] out) {
    int m = pq.m();
    int t = item % BLOCK;
    long block = offset + (item / BLOCK) * blockBytes(m, pq.nbits());
    for (int j = 0; j < m; j++) {
      int code;
      if (pq.nbits() == 4) {
        code = (codes.get(ValueLayout.JAVA_BYTE, block + j * 32L + (t & 31)) >> (t < 32 ? 0 : 4)) & 0x0f;
      } else {
        code = codes.get(ValueLayout.JAVA_BYTE, block + (long) j * BLOCK + t) & 0xff;
      }
      pq.decode(j, code, out);
    }
  }

  /** Quantised lookup tables of one query (and list). Reused per thread. */
  public static final class Tables {
    final byte[] bytes;
    final int m;
    final int ksub;
    /** Bytes per sub-quantizer: 4-bit tables are stored twice for 32-lane lookups. */
    final int stride;
    float inverseScale;
    float bias;

    /** Tables for {@code m} sub-quantizers of {@code nbits} (4 or 8). */
    public Tables(int m, int nbits) {
      this.m = m;
      this.ksub = 1 << nbits;
      this.stride = nbits == 4 ? VectorKernels.FAST_SCAN_TABLE_STRIDE : 256;
      this.bytes = new byte[m * stride];
    }

    /** Quantises the float tables of {@code m} sub-quantizers of {@code ksub} entries ({@link ProductQuantizer}'s layout). */
    public void quantize(float[] table) {
      float maxSpan = 0;
      double bias = 0;
      for (int j = 0; j < m; j++) {
        float lo = min(table, j);
        float hi = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < ksub; c++) {
          hi = Math.max(hi, table[j * ksub + c]);
        }
        maxSpan = Math.max(maxSpan, hi - lo);
        bias += lo;
      }
      float scale = maxSpan > 0 ? 255f / maxSpan : 1f;
      for (int j = 0; j < m; j++) {
        float lo = min(table, j);
        for (int c = 0; c < ksub; c++) {
          bytes[j * stride + c] = (byte) Math.round((table[j * ksub + c] - lo) * scale);
        }
        if (stride > ksub) {
          System.arraycopy(bytes, j * stride, bytes, j * stride + ksub, ksub);
        }
      }
      this.inverseScale = 1f / scale;
      this.bias = (float) bias;
    }

    private float min(float[] table, int j) {
      float lo = Float.POSITIVE_INFINITY;
      for (int c = 0; c < ksub; c++) {
        lo = Math.min(lo, table[j * ksub + c]);
      }
      return lo;
    }

    /** The bound on {@code |fast-scan score - float table sum|}, before float rounding. */
    public float errorBound() {
      return m * 0.5f * inverseScale;
    }

    /** Scores {@code blocks} blocks at {@code offset} of {@code codes}, adding {@code extraBias}. */
    public void scan(MemorySegment codes, long offset, int blocks, float extraBias, float[] out, int outOffset) {
      if (ksub == 16) {
        VectorKernels.pqFastScan4(codes, offset, blocks, m, bytes, inverseScale, bias + extraBias, out, outOffset);
      } else {
        VectorKernels.pqFastScan8(codes, offset, blocks, m, bytes, inverseScale, bias + extraBias, out, outOffset);
      }
    }
  }
}

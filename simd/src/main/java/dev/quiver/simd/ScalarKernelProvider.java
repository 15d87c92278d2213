package dev.quiver.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Plain-Java kernels: the fallback when the Vector API is absent, and the reference the Panama
 * kernels are benchmarked against. Loops keep four independent accumulators so that the FPU
 * pipelines stay busy even though the JIT cannot reorder float additions.
 */
public final class ScalarKernelProvider implements KernelProvider {
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int PANEL = VectorKernels.PANEL_ROWS;

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 3 < length; i += 4) {
      s0 += a[aOffset + i] * b[bOffset + i];
      s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
      s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
      s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
    }
    for (; i < length; i++) {
      s0 += a[aOffset + i] * b[bOffset + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float dot(float[] q, MemorySegment segment, long offset, int length) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 3 < length; i += 4) {
      long o = offset + (long) i * Float.BYTES;
      s0 += q[i] * segment.get(FLOAT, o);
      s1 += q[i + 1] * segment.get(FLOAT, o + 4);
      s2 += q[i + 2] * segment.get(FLOAT, o + 8);
      s3 += q[i + 3] * segment.get(FLOAT, o + 12);
    }
    for (; i < length; i++) {
      s0 += q[i] * segment.get(FLOAT, offset + (long) i * Float.BYTES);
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    float s0 = 0, s1 = 0;
    int i = 0;
    for (; i + 1 < length; i += 2) {
      float d0 = a[aOffset + i] - b[bOffset + i];
      float d1 = a[aOffset + i + 1] - b[bOffset + i + 1];
      s0 += d0 * d0;
      s1 += d1 * d1;
    }
    for (; i < length; i++) {
      float d = a[aOffset + i] - b[bOffset + i];
      s0 += d * d;
    }
    return s0 + s1;
  }

  @Override
  public float squareDistance(float[] q, MemorySegment segment, long offset, int length) {
    float s0 = 0, s1 = 0;
    int i = 0;
    for (; i + 1 < length; i += 2) {
      long o = offset + (long) i * Float.BYTES;
      float d0 = q[i] - segment.get(FLOAT, o);
      float d1 = q[i + 1] - segment.get(FLOAT, o + 4);
      s0 += d0 * d0;
      s1 += d1 * d1;
    }
    for (; i < length; i++) {
      float d = q[i] - segment.get(FLOAT, offset + (long) i * Float.BYTES);
      s0 += d * d;
    }
    return s0 + s1;
  }

  @Override
  public float cosine(float[] a, float[] b, int length) {
    float dot = 0, na = 0, nb = 0;
    for (int i = 0; i < length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0f : (float) (dot / Math.sqrt((double) na * nb));
  }

  @Override
  public void dotRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                      float[] scores, int scoresOffset) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int r = 0; r < rows; r++) {
      scores[scoresOffset + r] = dot(q, segment, offset + r * rowBytes, dim);
    }
  }

  @Override
  public void squareDistanceRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                                 float[] scores, int scoresOffset) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int r = 0; r < rows; r++) {
      scores[scoresOffset + r] = squareDistance(q, segment, offset + r * rowBytes, dim);
    }
  }

  @Override
  public void dotRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim,
                      float[] scores) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int i = 0; i < count; i++) {
      scores[i] = dot(q, segment, ordinals[i] * rowBytes, dim);
    }
  }

  @Override
  public void dotInt8Rows(float[] w, MemorySegment codes, int[] ordinals, int count, int dim,
                          float[] scores) {
    for (int i = 0; i < count; i++) {
      long o = (long) ordinals[i] * dim;
      float s = 0;
      for (int j = 0; j < dim; j++) {
        s += w[j] * codes.get(ValueLayout.JAVA_BYTE, o + j);
      }
      scores[i] = s;
    }
  }

  @Override
  public void squareDistanceRows(float[] q, MemorySegment segment, int[] ordinals, int count,
                                 int dim, float[] scores) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int i = 0; i < count; i++) {
      scores[i] = squareDistance(q, segment, ordinals[i] * rowBytes, dim);
    }
  }

  @Override
  public void packPanel(MemorySegment segment, long offset, int rows, int dim, float[] panel) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int r = 0; r < PANEL; r++) {
      if (r < rows) {
        long base = offset + r * rowBytes;
        for (int j = 0; j < dim; j++) {
          panel[j * PANEL + r] = segment.get(FLOAT, base + (long) j * Float.BYTES);
        }
      } else {
        for (int j = 0; j < dim; j++) {
          panel[j * PANEL + r] = 0f;
        }
      }
    }
  }

  @Override
  public void dotPanel(float[] queries, int q0, int queryCount, int dim, float[] panel, float[] scores) {
    for (int i = 0; i < queryCount; i++) {
      int qBase = (q0 + i) * dim;
      int sBase = i * PANEL;
      java.util.Arrays.fill(scores, sBase, sBase + PANEL, 0f);
      for (int j = 0; j < dim; j++) {
        float qj = queries[qBase + j];
        int pBase = j * PANEL;
        // Row-contiguous inner loop: C2's superword pass vectorises this one.
        for (int r = 0; r < PANEL; r++) {
          scores[sBase + r] += qj * panel[pBase + r];
        }
      }
    }
  }

  @Override
  public void densePanel(float[] x, int xOffset, int rowCount, int dim, float[] panel, float[] bias,
                         int biasOffset, int cols, boolean relu, float[] y, int yOffset, int yStride) {
    for (int i = 0; i < rowCount; i++) {
      int xBase = xOffset + i * dim, yBase = yOffset + i * yStride;
      for (int r = 0; r < cols; r++) {
        float s = 0f;
        for (int j = 0; j < dim; j++) {
          s += x[xBase + j] * panel[j * PANEL + r];
        }
        s += bias[biasOffset + r];
        y[yBase + r] = relu ? Math.max(s, 0f) : s;
      }
    }
  }

  @Override
  public void loadRow(MemorySegment segment, long offset, int length, float[] dst, int dstOffset,
                      boolean add) {
    for (int i = 0; i < length; i++) {
      float v = segment.get(FLOAT, offset + (long) i * Float.BYTES);
      dst[dstOffset + i] = add ? dst[dstOffset + i] + v : v;
    }
  }

  @Override
  public int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
    int s = 0;
    for (int i = 0; i < length; i++) {
      s += a[aOffset + i] * b[bOffset + i];
    }
    return s;
  }

  @Override
  public int dotInt8(byte[] q, MemorySegment segment, long offset, int length) {
    int s = 0;
    for (int i = 0; i < length; i++) {
      s += q[i] * segment.get(ValueLayout.JAVA_BYTE, offset + i);
    }
    return s;
  }

  @Override
  public float dotFloat16(float[] q, MemorySegment segment, long offset, int length) {
    float s0 = 0, s1 = 0;
    int i = 0;
    for (; i + 1 < length; i += 2) {
      long o = offset + (long) i * Short.BYTES;
      s0 += q[i] * Float.float16ToFloat(segment.get(SHORT, o));
      s1 += q[i + 1] * Float.float16ToFloat(segment.get(SHORT, o + 2));
    }
    for (; i < length; i++) {
      s0 += q[i] * Float.float16ToFloat(segment.get(SHORT, offset + (long) i * Short.BYTES));
    }
    return s0 + s1;
  }

  @Override
  public int firstAbove(float[] values, int from, int to, float threshold) {
    for (int i = from; i < to; i++) {
      if (values[i] > threshold) {
        return i;
      }
    }
    return to;
  }

  // ---------------------------------------------------------------- product-quantizer scans

  @Override
  public void pqScan8(float[] table, int m, byte[] codes, int offset, int rows, float[] out, int outOffset) {
    pqScan8Rows(table, m, codes, offset, rows, out, outOffset);
  }

  /**
   * The scalar ADC loop, shared with the vector provider where gathers do not pay. Eight codes are
   * read as one long and split with shifts (one load per eight codes, leaving the table reads),
   * and four sums keep four independent adds in flight. Codes come in a heap array: long reads
   * from a memory segment, checked for liveness and bounds each, made the scan 25 % slower than
   * copying a block of codes to the heap first.
   */
  public static void pqScan8Rows(float[] table, int m, byte[] codes, int offset, int rows, float[] out,
                                 int outOffset) {
    int m8 = m & ~7;
    for (int r = 0; r < rows; r++) {
      int o = offset + r * m;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int j = 0;
      for (; j < m8; j += 8) {
        long w = (long) LONGS.get(codes, o + j);
        int t = j << 8;
        s0 += table[t + (int) (w & 0xff)];
        s1 += table[t + 256 + (int) ((w >>> 8) & 0xff)];
        s2 += table[t + 512 + (int) ((w >>> 16) & 0xff)];
        s3 += table[t + 768 + (int) ((w >>> 24) & 0xff)];
        s0 += table[t + 1024 + (int) ((w >>> 32) & 0xff)];
        s1 += table[t + 1280 + (int) ((w >>> 40) & 0xff)];
        s2 += table[t + 1536 + (int) ((w >>> 48) & 0xff)];
        s3 += table[t + 1792 + (int) (w >>> 56)];
      }
      for (; j < m; j++) {
        s0 += table[(j << 8) + (codes[o + j] & 0xff)];
      }
      out[outOffset + r] = (s0 + s1) + (s2 + s3);
    }
  }

  @Override
  public void pqFastScan4(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                          float bias, float[] out, int outOffset) {
    int stride = VectorKernels.FAST_SCAN_TABLE_STRIDE;
    for (int b = 0; b < blocks; b++) {
      long base = offset + (long) b * m * 32;
      int o = outOffset + b * VectorKernels.FAST_SCAN_BLOCK;
      for (int t = 0; t < 32; t++) {
        int lo = 0;
        int hi = 0;
        for (int j = 0; j < m; j++) {
          int packed = codes.get(ValueLayout.JAVA_BYTE, base + j * 32L + t);
          lo += tables[j * stride + (packed & 15)] & 0xff;
          hi += tables[j * stride + ((packed >> 4) & 15)] & 0xff;
        }
        out[o + t] = Math.fma(lo, inverseScale, bias);
        out[o + t + 32] = Math.fma(hi, inverseScale, bias);
      }
    }
  }

  @Override
  public void pqFastScan8(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                          float bias, float[] out, int outOffset) {
    int block = VectorKernels.FAST_SCAN_BLOCK;
    for (int b = 0; b < blocks; b++) {
      long base = offset + (long) b * m * block;
      for (int t = 0; t < block; t++) {
        int sum = 0;
        for (int j = 0; j < m; j++) {
          sum += tables[(j << 8) + (codes.get(ValueLayout.JAVA_BYTE, base + (long) j * block + t) & 0xff)] & 0xff;
        }
        out[outOffset + b * block + t] = Math.fma(sum, inverseScale, bias);
      }
    }
  }
}

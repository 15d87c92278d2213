package dev.quiver.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.simd.panama.PanamaKernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The product-quantizer scans of every provider against references computed from the layout's
 * definition: the 8-bit ADC scan against a double sum of table entries, the 4- and 8-bit fast
 * scans against integer sums (exact). Shapes cover sub-quantizer counts that are not multiples of the
 * vector width or of 8, row counts around the four-row groups, unaligned segment offsets, and
 * segments sized exactly so that a read past the codes fails.
 */
public class PqKernelsTest {
  private static final double U = 0x1p-24;
  static final int[] MS = {1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 64, 67, 96, 128};

  static Stream<KernelProvider> providers() {
    return Stream.of(new ScalarKernelProvider(), new PanamaKernelProvider());
  }

  @ParameterizedTest
  @MethodSource("providers")
  void pqScan8MatchesTheDoubleSumOfTableEntries(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(5);
    try (Arena arena = Arena.ofConfined()) {
      for (int m : MS) {
        for (int rows : new int[] {1, 3, 4, 5, 8, 63, 64, 65}) {
          int offset = rnd.nextInt(9);
          byte[] codes = new byte[offset + rows * m];
          for (int i = offset; i < codes.length; i++) {
            codes[i] = (byte) rnd.nextInt(256);
          }
          float[] table = new float[m * 256];
          for (int i = 0; i < table.length; i++) {
            table[i] = (float) (rnd.nextDouble() * 2 - 1);
          }
          int outOffset = rnd.nextInt(3);
          float[] out = new float[outOffset + rows + 2];
          java.util.Arrays.fill(out, Float.NaN);
          k.pqScan8(table, m, codes, offset, rows, out, outOffset);
          for (int r = 0; r < rows; r++) {
            double sum = 0;
            double abs = 0;
            for (int j = 0; j < m; j++) {
              float t = table[j * 256 + (codes[offset + r * m + j] & 0xff)];
              sum += t;
              abs += Math.abs(t);
            }
            String what = k.name() + " m=" + m + " rows=" + rows + " offset=" + offset + " row " + r;
            assertEquals(sum, out[outOffset + r], (m + 1) * U * abs + 1e-30, what);
          }
          assertTrue(Float.isNaN(out[outOffset + rows]) && (outOffset == 0 || Float.isNaN(out[outOffset - 1])),
              k.name() + " wrote outside its rows, m=" + m + " rows=" + rows);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("providers")
  void pqFastScan4MatchesIntegerTableSums(KernelProvider k) {
    assertFastScan(k.name(), (codes, offset, blocks, m, tables, scale, bias, out, outOffset) ->
        k.pqFastScan4(codes, offset, blocks, m, tables, scale, bias, out, outOffset));
  }

  @ParameterizedTest
  @MethodSource("providers")
  void pqFastScan8MatchesIntegerTableSums(KernelProvider k) {
    SplittableRandom rnd = new SplittableRandom(7);
    int block = VectorKernels.FAST_SCAN_BLOCK;
    try (Arena arena = Arena.ofConfined()) {
      for (int m : MS) {
        for (int blocks : new int[] {1, 2, 3}) {
          long offset = rnd.nextInt(17);
          MemorySegment codes = arena.allocate(offset + (long) blocks * m * block);
          for (long i = offset; i < codes.byteSize(); i++) {
            codes.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
          }
          byte[] tables = new byte[m * 256];
          for (int i = 0; i < tables.length; i++) {
            tables[i] = (byte) (m == VectorKernels.FAST_SCAN_MAX_M ? 255 - rnd.nextInt(2) : rnd.nextInt(256));
          }
          float scale = (float) (0.01 + rnd.nextDouble());
          float bias = (float) (rnd.nextDouble() * 4 - 2);
          int outOffset = rnd.nextInt(5);
          float[] out = new float[outOffset + blocks * block];
          k.pqFastScan8(codes, offset, blocks, m, tables, scale, bias, out, outOffset);
          for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < block; i++) {
              long sum = 0;
              for (int j = 0; j < m; j++) {
                int code = codes.get(ValueLayout.JAVA_BYTE, offset + ((long) b * m + j) * block + i) & 0xff;
                sum += tables[j * 256 + code] & 0xff;
              }
              assertEquals(Math.fma((float) sum, scale, bias), out[outOffset + b * block + i],
                  k.name() + " m=" + m + " blocks=" + blocks + " offset=" + offset + " block " + b + " slot " + i);
            }
          }
        }
      }
    }
  }

  /** The fast-scan kernel's signature, so that variants outside a provider share this check. */
  public interface FastScan4 {
    void scan(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale, float bias,
              float[] out, int outOffset);
  }

  /**
   * Checks {@code kernel} on random packed blocks and byte tables against integer sums read
   * straight from the layout: exact, since the sums are integers below 2^24 and the kernel
   * rounds once in its fma.
   */
  public static void assertFastScan(String name, FastScan4 kernel) {
    SplittableRandom rnd = new SplittableRandom(6);
    int block = VectorKernels.FAST_SCAN_BLOCK;
    int stride = VectorKernels.FAST_SCAN_TABLE_STRIDE;
    try (Arena arena = Arena.ofConfined()) {
      for (int m : MS) {
        for (int blocks : new int[] {1, 2, 3}) {
          long offset = rnd.nextInt(17);
          MemorySegment codes = arena.allocate(offset + (long) blocks * m * 32);
          for (long i = offset; i < codes.byteSize(); i++) {
            codes.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
          }
          byte[] tables = new byte[m * stride];
          for (int j = 0; j < m; j++) {
            for (int c = 0; c < 16; c++) {
              // The largest entries at the largest m test the 16-bit sums at their limit.
              byte e = (byte) (m == VectorKernels.FAST_SCAN_MAX_M ? 255 - rnd.nextInt(2) : rnd.nextInt(256));
              tables[j * stride + c] = e;
              tables[j * stride + 16 + c] = e;
            }
          }
          float scale = (float) (0.01 + rnd.nextDouble());
          float bias = (float) (rnd.nextDouble() * 4 - 2);
          int outOffset = rnd.nextInt(5);
          float[] out = new float[outOffset + blocks * block];
          kernel.scan(codes, offset, blocks, m, tables, scale, bias, out, outOffset);
          for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < block; i++) {
              long sum = 0;
              for (int j = 0; j < m; j++) {
                int packed = codes.get(ValueLayout.JAVA_BYTE, offset + (long) b * m * 32 + j * 32L + (i & 31)) & 0xff;
                sum += tables[j * stride + (i < 32 ? packed & 15 : packed >>> 4)] & 0xff;
              }
              assertEquals(Math.fma((float) sum, scale, bias), out[outOffset + b * block + i],
                  name + " m=" + m + " blocks=" + blocks + " offset=" + offset + " block " + b + " slot " + i);
            }
          }
        }
      }
    }
  }
}

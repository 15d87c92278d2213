package dev.quiver.simd.panama;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The product-quantizer fast scans of {@link PanamaKernelProvider}: table lookups by byte
 * shuffles, many items per instruction. As there, no vector crosses a method call: the JIT boxes
 * a vector passed to a helper it declines to inline. Stateless; thread-safe.
 */
final class PanamaPqKernels {
  private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
  private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
  private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
  private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
  private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final int STRIDE = VectorKernels.FAST_SCAN_TABLE_STRIDE;

  private PanamaPqKernels() {}

  /**
   * 4-bit fast scan. Per sub-quantizer and block of 64 items it loads the 32 bytes of 64 nibbles,
   * looks the nibbles up in the sub-quantizer's table with {@code selectFrom} and adds the bytes,
   * zero-extended, into 16-bit accumulators: with {@code wide} (512-bit machines) two 32-lane
   * lookups, one {@code vpermb} each on AVX-512 VBMI, into two 32-lane accumulators; else four
   * 16-lane lookups (in-lane byte shuffles) into four 16-lane accumulators.
   */
  static void pqFastScan4(boolean wide, MemorySegment codes, long offset, int blocks, int m, byte[] tables,
                          float inverseScale, float bias, float[] out, int outOffset) {
    for (int b = 0; b < blocks; b++) {
      long base = offset + (long) b * m * 32;
      int o = outOffset + b * VectorKernels.FAST_SCAN_BLOCK;
      if (wide) {
        block512(codes, base, m, tables, inverseScale, bias, out, o);
      } else {
        block256(codes, base, m, tables, inverseScale, bias, out, o);
      }
    }
  }

  private static void block512(MemorySegment codes, long base, int m, byte[] tables, float inverseScale, float bias,
                               float[] out, int o) {
    ShortVector acc0 = ShortVector.zero(S512);
    ShortVector acc1 = ShortVector.zero(S512);
    for (int j = 0; j < m; j++) {
      ByteVector packed = ByteVector.fromMemorySegment(B256, codes, base + j * 32L, LE);
      ByteVector table = ByteVector.fromArray(B256, tables, j * STRIDE);
      ByteVector lo = packed.and((byte) 0x0f).selectFrom(table);
      ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).selectFrom(table);
      acc0 = acc0.add((ShortVector) lo.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
      acc1 = acc1.add((ShortVector) hi.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
    }
    for (int part = 0; part < 2; part++) {
      ((FloatVector) acc0.convertShape(VectorOperators.S2F, F512, part)).fma(inverseScale, bias)
          .intoArray(out, o + part * 16);
      ((FloatVector) acc1.convertShape(VectorOperators.S2F, F512, part)).fma(inverseScale, bias)
          .intoArray(out, o + 32 + part * 16);
    }
  }

  private static void block256(MemorySegment codes, long base, int m, byte[] tables, float inverseScale, float bias,
                               float[] out, int o) {
    ShortVector acc0 = ShortVector.zero(S256);
    ShortVector acc1 = ShortVector.zero(S256);
    ShortVector acc2 = ShortVector.zero(S256);
    ShortVector acc3 = ShortVector.zero(S256);
    for (int j = 0; j < m; j++) {
      long at = base + j * 32L;
      ByteVector p0 = ByteVector.fromMemorySegment(B128, codes, at, LE);
      ByteVector p1 = ByteVector.fromMemorySegment(B128, codes, at + 16, LE);
      ByteVector table = ByteVector.fromArray(B128, tables, j * STRIDE);
      acc0 = acc0.add((ShortVector) p0.and((byte) 0x0f).selectFrom(table).convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0));
      acc1 = acc1.add((ShortVector) p1.and((byte) 0x0f).selectFrom(table).convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0));
      acc2 = acc2.add((ShortVector) p0.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).selectFrom(table).convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0));
      acc3 = acc3.add((ShortVector) p1.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).selectFrom(table).convertShape(VectorOperators.ZERO_EXTEND_B2S, S256, 0));
    }
    ((FloatVector) acc0.convertShape(VectorOperators.S2F, F256, 0)).fma(inverseScale, bias).intoArray(out, o);
    ((FloatVector) acc0.convertShape(VectorOperators.S2F, F256, 1)).fma(inverseScale, bias).intoArray(out, o + 8);
    ((FloatVector) acc1.convertShape(VectorOperators.S2F, F256, 0)).fma(inverseScale, bias).intoArray(out, o + 16);
    ((FloatVector) acc1.convertShape(VectorOperators.S2F, F256, 1)).fma(inverseScale, bias).intoArray(out, o + 24);
    ((FloatVector) acc2.convertShape(VectorOperators.S2F, F256, 0)).fma(inverseScale, bias).intoArray(out, o + 32);
    ((FloatVector) acc2.convertShape(VectorOperators.S2F, F256, 1)).fma(inverseScale, bias).intoArray(out, o + 40);
    ((FloatVector) acc3.convertShape(VectorOperators.S2F, F256, 0)).fma(inverseScale, bias).intoArray(out, o + 48);
    ((FloatVector) acc3.convertShape(VectorOperators.S2F, F256, 1)).fma(inverseScale, bias).intoArray(out, o + 56);
  }

  /**
   * 8-bit fast scan. Per sub-quantizer and half block of 32 items, the 256-entry table is eight
   * 32-byte vectors: the code's low five bits look up all eight ({@code vpermb} each), and its
   * three high bits pick the result through a tree of seven blends. Fifteen shuffles and blends
   * for 32 lookups, against a load, an add and a bounds check per lookup in the float-table scan.
   * The loop body is written out in one method: a helper that the JIT compiles on its own first
   * is then too large to inline, and its vectors are boxed on every call (30x slower).
   */
  static void pqFastScan8(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                          float bias, float[] out, int outOffset) {
    int block = VectorKernels.FAST_SCAN_BLOCK;
    for (int b = 0; b < blocks; b++) {
      for (int half = 0; half < 2; half++) {
        long at = offset + (long) b * m * block + half * 32;
        ShortVector acc = ShortVector.zero(S512);
        for (int j = 0; j < m; j++, at += block) {
          ByteVector code = ByteVector.fromMemorySegment(B256, codes, at, LE);
          ByteVector low = code.and((byte) 31);
          VectorMask<Byte> bit5 = code.and((byte) 32).compare(VectorOperators.NE, (byte) 0);
          VectorMask<Byte> bit6 = code.and((byte) 64).compare(VectorOperators.NE, (byte) 0);
          VectorMask<Byte> bit7 = code.compare(VectorOperators.LT, (byte) 0);
          int t = j << 8;
          ByteVector e0 = low.selectFrom(ByteVector.fromArray(B256, tables, t))
              .blend(low.selectFrom(ByteVector.fromArray(B256, tables, t + 32)), bit5);
          ByteVector e1 = low.selectFrom(ByteVector.fromArray(B256, tables, t + 64))
              .blend(low.selectFrom(ByteVector.fromArray(B256, tables, t + 96)), bit5);
          ByteVector e2 = low.selectFrom(ByteVector.fromArray(B256, tables, t + 128))
              .blend(low.selectFrom(ByteVector.fromArray(B256, tables, t + 160)), bit5);
          ByteVector e3 = low.selectFrom(ByteVector.fromArray(B256, tables, t + 192))
              .blend(low.selectFrom(ByteVector.fromArray(B256, tables, t + 224)), bit5);
          ByteVector e = e0.blend(e1, bit6).blend(e2.blend(e3, bit6), bit7);
          acc = acc.add((ShortVector) e.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
        }
        int o = outOffset + b * block + half * 32;
        ((FloatVector) acc.convertShape(VectorOperators.S2F, F512, 0)).fma(inverseScale, bias).intoArray(out, o);
        ((FloatVector) acc.convertShape(VectorOperators.S2F, F512, 1)).fma(inverseScale, bias).intoArray(out, o + 16);
      }
    }
  }
}

package dev.quiver.pq.panama;

import dev.quiver.pq.FastScan;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API fast-scan kernel: per sub-quantizer, one 256-bit load of 64 nibbles, two
 * {@code selectFrom} lookups of 32 items each in the sub-quantizer's table (one {@code vpermb}
 * each on AVX-512 VBMI), zero-extended into two 32-lane 16-bit accumulators. Loaded by name from
 * {@link FastScan} only when the incubator module is present.
 */
public final class PanamaFastScan implements FastScan.Kernel {
  private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
  private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
  private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;

  /**
   * Refuses machines whose vectors are narrower than 512 bits: there the 32-lane 16-bit
   * accumulators would not be intrinsified and the scalar kernel is faster.
   */
  public PanamaFastScan() {
    if (ShortVector.SPECIES_PREFERRED.vectorBitSize() < S512.vectorBitSize()) {
      throw new UnsupportedOperationException("fast scan needs 512-bit vectors, this machine has "
          + ShortVector.SPECIES_PREFERRED.vectorBitSize());
    }
  }

  @Override
  public void scan(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale, float bias,
                   float[] out, int outOffset) {
    for (int b = 0; b < blocks; b++) {
      ShortVector acc0 = ShortVector.zero(S512);
      ShortVector acc1 = ShortVector.zero(S512);
      long base = offset + (long) b * m * 32;
      for (int j = 0; j < m; j++) {
        ByteVector packed = ByteVector.fromMemorySegment(B256, codes, base + j * 32L, ByteOrder.LITTLE_ENDIAN);
        ByteVector table = ByteVector.fromArray(B256, tables, j * FastScan.TABLE_STRIDE);
        ByteVector lo = packed.and((byte) 0x0f).selectFrom(table);
        ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).selectFrom(table);
        acc0 = acc0.add((ShortVector) lo.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
        acc1 = acc1.add((ShortVector) hi.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
      }
      int o = outOffset + b * FastScan.BLOCK;
      for (int part = 0; part < 2; part++) {
        ((FloatVector) acc0.convertShape(VectorOperators.S2F, F512, part)).fma(inverseScale, bias)
            .intoArray(out, o + part * 16);
        ((FloatVector) acc1.convertShape(VectorOperators.S2F, F512, part)).fma(inverseScale, bias)
            .intoArray(out, o + 32 + part * 16);
      }
    }
  }
}

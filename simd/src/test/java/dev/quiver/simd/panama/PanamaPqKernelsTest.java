package dev.quiver.simd.panama;

import dev.quiver.simd.PqKernelsTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both widths of the vector fast scan, whichever this machine prefers: the JDK emulates a shape
 * the CPU lacks, so the 512-bit kernel is checked on AVX2 machines and the 256-bit one on AVX-512.
 */
class PanamaPqKernelsTest {

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void fastScanOfEitherWidthMatchesIntegerTableSums(boolean wide) {
    PqKernelsTest.assertFastScan("panama wide=" + wide, (codes, offset, blocks, m, tables, scale, bias, out, o) ->
        PanamaPqKernels.pqFastScan4(wide, codes, offset, blocks, m, tables, scale, bias, out, o));
  }
}

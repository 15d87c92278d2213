package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FastScanTest {

  /** Packing, table quantisation and the scan in use together, against the float table sums of the unpacked codes. */
  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void packedCodesScanToTheirTableSumsWithinTheBound(int nbits) {
    Random rnd = new Random(3);
    int ksub = 1 << nbits;
    for (int m : new int[] {1, 2, 7, 16, 32, 128}) {
      for (int n : new int[] {1, 63, 64, 65, 200}) {
        byte[] codes = new byte[n * m];
        for (int i = 0; i < codes.length; i++) {
          codes[i] = (byte) rnd.nextInt(ksub);
        }
        float[] table = new float[m * ksub];
        for (int i = 0; i < table.length; i++) {
          table[i] = (float) rnd.nextGaussian();
        }
        FastScan.Tables tables = new FastScan.Tables(m, nbits);
        tables.quantize(table);
        try (Arena arena = Arena.ofConfined()) {
          long pad = 13; // an unaligned start
          MemorySegment packed = arena.allocate(pad + FastScan.packedBytes(n, m, nbits));
          FastScan.pack(codes, 0, n, m, nbits, packed, pad);
          float[] out = new float[FastScan.blocks(n) * FastScan.BLOCK + 3];
          tables.scan(packed, pad, FastScan.blocks(n), 0.25f, out, 3);
          for (int i = 0; i < n; i++) {
            double exact = 0.25;
            for (int j = 0; j < m; j++) {
              exact += table[j * ksub + (codes[i * m + j] & 0xff)];
            }
            assertEquals(exact, out[3 + i], tables.errorBound() * 1.001 + 1e-5 * (1 + Math.abs(exact)),
                "nbits=" + nbits + ", m=" + m + ", n=" + n + ", item " + i);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void quantisedTablesOfTrainedCodesStayWithinTheirBound(int nbits) {
    Random rnd = new Random(4);
    int dim = 24, m = 12, n = 300;
    float[][] base = Data.gaussian(rnd, n, dim);
    ProductQuantizer pq = ProductQuantizer.train(Data.flat(base), n, dim, m, nbits, 5, 1, 2);
    byte[] codes = new byte[n * m];
    pq.encode(Data.flat(base), n, codes, 2);
    float[] table = new float[pq.tableSize()];
    FastScan.Tables tables = new FastScan.Tables(m, nbits);
    float[] scores = new float[FastScan.blocks(n) * FastScan.BLOCK];
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment packed = arena.allocate(FastScan.packedBytes(n, m, nbits));
      FastScan.pack(codes, 0, n, m, nbits, packed, 0);
      for (int t = 0; t < 10; t++) {
        float[] q = Data.gaussian(rnd, 1, dim)[0];
        if (t % 2 == 0) {
          pq.innerProductTable(q, table);
        } else {
          pq.distanceTable(q, table);
        }
        tables.quantize(table);
        tables.scan(packed, 0, FastScan.blocks(n), 0.25f, scores, 0);
        for (int i = 0; i < n; i++) {
          float exact = pq.score(table, codes, i * m) + 0.25f;
          assertTrue(Math.abs(scores[i] - exact) <= tables.errorBound() * 1.001f + 1e-4f * (1 + Math.abs(exact)),
              scores[i] + " vs " + exact + ", bound " + tables.errorBound());
        }
      }
    }
  }
}

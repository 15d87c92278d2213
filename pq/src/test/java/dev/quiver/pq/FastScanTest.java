package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FastScanTest {

  /** Packing and the scan in use together: each item's score is the sum of its own codes' table bytes. */
  @Test
  void packedCodesScanToTheirTableSums() {
    Random rnd = new Random(3);
    for (int m : new int[] {1, 2, 7, 16, 32, 128}) {
      for (int n : new int[] {1, 63, 64, 65, 200}) {
        byte[] codes = randomCodes(rnd, n, m);
        try (Arena arena = Arena.ofConfined()) {
          long pad = 13; // an unaligned start
          MemorySegment packed = arena.allocate(pad + FastScan.packedBytes(n, m));
          FastScan.pack(codes, 0, n, m, packed, pad);
          byte[] tables = new byte[m * FastScan.TABLE_STRIDE];
          rnd.nextBytes(tables);
          float[] out = new float[FastScan.blocks(n) * FastScan.BLOCK + 3];
          VectorKernels.pqFastScan4(packed, pad, FastScan.blocks(n), m, tables, 0.37f, -1.5f, out, 3);
          for (int i = 0; i < n; i++) {
            int sum = 0;
            for (int j = 0; j < m; j++) {
              sum += tables[j * FastScan.TABLE_STRIDE + codes[i * m + j]] & 0xff;
            }
            assertEquals(Math.fma((float) sum, 0.37f, -1.5f), out[3 + i], "m=" + m + ", n=" + n + ", item " + i);
          }
        }
      }
    }
  }

  @Test
  void quantisedTablesStayWithinTheirBoundOfTheFloatTableSum() {
    Random rnd = new Random(4);
    int dim = 24, m = 12, n = 300;
    float[][] base = Data.gaussian(rnd, n, dim);
    ProductQuantizer pq = ProductQuantizer.train(Data.flat(base), n, dim, m, 4, 5, 1, 2);
    byte[] codes = new byte[n * m];
    pq.encode(Data.flat(base), n, codes, 2);
    float[] table = new float[pq.tableSize()];
    FastScan.Tables tables = new FastScan.Tables(m);
    float[] scores = new float[FastScan.blocks(n) * FastScan.BLOCK];
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment packed = arena.allocate(FastScan.packedBytes(n, m));
      FastScan.pack(codes, 0, n, m, packed, 0);
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

  private static byte[] randomCodes(Random rnd, int n, int m) {
    byte[] codes = new byte[n * m];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = (byte) rnd.nextInt(16);
    }
    return codes;
  }
}

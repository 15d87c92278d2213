package dev.quiver.bench.jmh;

import dev.quiver.pq.ProductQuantizer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Can a 4-bit "fast scan" PQ layout, with its 16-entry lookup tables held in SIMD registers and
 * read by a byte shuffle, beat the 8-bit table scan of {@link ProductQuantizer#scoreRows}? One
 * operation scores {@value #N} codes; the score is nanoseconds per code.
 *
 * <ul>
 *   <li>{@code adc8}: 8-bit codes, float tables of 256 entries per sub-quantizer, the production
 *       scalar loop.</li>
 *   <li>{@code adc4}: 4-bit codes (one per byte), the same loop on 16-entry tables.</li>
 *   <li>{@code fastScan4}: 4-bit codes packed two per byte in blocks of 64 items (sub-quantizer
 *       major: 32 bytes per sub-quantizer per block, item t in the low nibble, item t + 32 in the
 *       high one); tables quantised to unsigned bytes; one {@code selectFrom} on a 256-bit byte
 *       vector looks up 32 items at once; sums accumulate in 16-bit lanes and are turned back into
 *       floats once per block.</li>
 * </ul>
 * Codes per item are {@code m} bytes for adc8/adc4 and {@code m / 2} for fastScan4.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PqFastScanBench {
  static final int N = 1 << 15;
  private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
  private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
  private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
  private static final int BLOCK = 64;

  @Param({"16", "32"})
  int m;

  byte[] codes8;
  byte[] codes4;
  byte[] packed4;
  float[] table8;
  float[] table4;
  byte[] table4q;
  float scale;
  float bias;
  float[] scores = new float[N];
  ProductQuantizer pq8;
  ProductQuantizer pq4;

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom rnd = new SplittableRandom(1);
    int dim = 2 * m;
    pq8 = new ProductQuantizer(dim, m, 8, randomFloats(rnd, m * 256 * 2));
    pq4 = new ProductQuantizer(dim, m, 4, randomFloats(rnd, m * 16 * 2));
    codes8 = new byte[N * m];
    codes4 = new byte[N * m];
    for (int i = 0; i < codes8.length; i++) {
      codes8[i] = (byte) rnd.nextInt(256);
      codes4[i] = (byte) rnd.nextInt(16);
    }
    float[] q = randomFloats(rnd, dim);
    table8 = new float[pq8.tableSize()];
    table4 = new float[pq4.tableSize()];
    pq8.innerProductTable(q, table8);
    pq4.innerProductTable(q, table4);
    packed4 = pack(codes4, m);
    quantiseTable();
  }

  private static float[] randomFloats(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return v;
  }

  /** Block layout: per block of 64 items, per sub-quantizer, 32 bytes of two nibbles. */
  static byte[] pack(byte[] codes, int m) {
    byte[] out = new byte[N * m / 2];
    for (int b = 0; b < N / BLOCK; b++) {
      for (int j = 0; j < m; j++) {
        for (int t = 0; t < 32; t++) {
          int lo = codes[(b * BLOCK + t) * m + j];
          int hi = codes[(b * BLOCK + t + 32) * m + j];
          out[(b * m + j) * 32 + t] = (byte) (lo | hi << 4);
        }
      }
    }
    return out;
  }

  /** Per sub-quantizer minimum as bias, one shared scale so that every entry fits a byte. */
  private void quantiseTable() {
    table4q = new byte[m * 32];
    float maxSpan = 0;
    float[] min = new float[m];
    for (int j = 0; j < m; j++) {
      min[j] = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < 16; c++) {
        min[j] = Math.min(min[j], table4[j * 16 + c]);
        max = Math.max(max, table4[j * 16 + c]);
      }
      maxSpan = Math.max(maxSpan, max - min[j]);
      bias += min[j];
    }
    scale = 255f / maxSpan;
    for (int j = 0; j < m; j++) {
      for (int c = 0; c < 32; c++) {
        table4q[j * 32 + c] = (byte) Math.round((table4[j * 16 + (c & 15)] - min[j]) * scale);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] adc8() {
    pq8.scoreRows(table8, codes8, N, 0f, false, scores, 0);
    return scores;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] adc4() {
    pq4.scoreRows(table4, codes4, N, 0f, false, scores, 0);
    return scores;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScan4() {
    float inv = 1f / scale;
    for (int b = 0; b < N / BLOCK; b++) {
      ShortVector acc0 = ShortVector.zero(S512);
      ShortVector acc1 = ShortVector.zero(S512);
      int base = b * m * 32;
      for (int j = 0; j < m; j++) {
        ByteVector packed = ByteVector.fromArray(B256, packed4, base + j * 32);
        ByteVector table = ByteVector.fromArray(B256, table4q, j * 32);
        ByteVector lo = packed.and((byte) 0x0f).selectFrom(table);
        ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).selectFrom(table);
        acc0 = acc0.add((ShortVector) lo.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
        acc1 = acc1.add((ShortVector) hi.convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0));
      }
      int o = b * BLOCK;
      for (int part = 0; part < 2; part++) {
        ((FloatVector) acc0.convertShape(VectorOperators.S2F, F512, part)).mul(inv).add(bias)
            .intoArray(scores, o + part * 16);
        ((FloatVector) acc1.convertShape(VectorOperators.S2F, F512, part)).mul(inv).add(bias)
            .intoArray(scores, o + 32 + part * 16);
      }
    }
    return scores;
  }
}

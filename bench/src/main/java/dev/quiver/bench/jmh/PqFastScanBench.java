package dev.quiver.bench.jmh;

import dev.quiver.pq.FastScan;
import dev.quiver.pq.ProductQuantizer;
import dev.quiver.pq.panama.PanamaFastScan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Does the 4-bit "fast scan" PQ layout ({@link FastScan}: 16-entry tables in SIMD registers, a
 * byte shuffle per 32 or 16 items) beat the 8-bit table scan of
 * {@link ProductQuantizer#scoreRows}? One operation scores {@value #N} codes, so the score is
 * nanoseconds per code.
 *
 * <ul>
 *   <li>{@code adc8}: 8-bit codes, float tables of 256 entries per sub-quantizer ({@code m} bytes
 *       per code).</li>
 *   <li>{@code adc4}: 4-bit codes one per byte, the same loop on 16-entry tables.</li>
 *   <li>{@code fastScan512}, {@code fastScan256}, {@code fastScanScalar}: the fast-scan kernels
 *       on packed codes ({@code m / 2} bytes per code) with byte tables.</li>
 * </ul>
 * Compare adc8 at {@code m} with fast scan at {@code 2m} for equal code bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PqFastScanBench {
  static final int N = 1 << 15;

  @Param({"16", "32"})
  int m;

  private Arena arena;
  private byte[] codes8;
  private byte[] codes4;
  private MemorySegment packed;
  private float[] table8;
  private float[] table4;
  /** Byte tables for the fast-scan kernels; their speed does not depend on the values. */
  private byte[] tableBytes;
  private final float[] scores = new float[N];
  private ProductQuantizer pq8;
  private ProductQuantizer pq4;
  private final FastScan.Kernel wide = new PanamaFastScan(512);
  private final FastScan.Kernel narrow = new PanamaFastScan(256);
  private final FastScan.Kernel scalar = FastScan.scalar();

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
    arena = Arena.ofShared();
    packed = arena.allocate(FastScan.packedBytes(N, m), 64);
    FastScan.pack(codes4, 0, N, m, packed, 0);
    tableBytes = new byte[m * FastScan.TABLE_STRIDE];
    rnd.nextBytes(tableBytes);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  private static float[] randomFloats(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return v;
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

  private float[] fastScan(FastScan.Kernel kernel) {
    kernel.scan(packed, 0, N / FastScan.BLOCK, m, tableBytes, 0.01f, 0f, scores, 0);
    return scores;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScan512() {
    return fastScan(wide);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScan256() {
    return fastScan(narrow);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScanScalar() {
    return fastScan(scalar);
  }
}

package dev.quiver.bench.jmh;

import dev.quiver.pq.FastScan;
import dev.quiver.pq.ProductQuantizer;
import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.ScalarKernelProvider;
import dev.quiver.simd.VectorKernels;
import dev.quiver.simd.panama.PanamaKernelProvider;
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
 * Does the "fast scan" PQ layout ({@link FastScan}: byte tables looked up by byte shuffles, 32 or
 * 16 items per shuffle) beat the float table scan of
 * {@link ProductQuantizer#scoreRows}? One operation scores {@value #N} codes, so the score is
 * nanoseconds per code.
 *
 * <ul>
 *   <li>{@code adc8}: {@link KernelProvider#pqScan8}, 8-bit codes in a heap array, float tables
 *       of 256 entries per sub-quantizer ({@code m} bytes per code).</li>
 *   <li>{@code adc4}: 4-bit codes one per byte, the plain loop on 16-entry tables.</li>
 *   <li>{@code fastScanPanama}, {@code fastScanScalar}: {@link KernelProvider#pqFastScan4} on
 *       packed codes ({@code m / 2} bytes per code) with byte tables.</li>
 *   <li>{@code fastScan8Panama}, {@code fastScan8Scalar}: {@link KernelProvider#pqFastScan8}, 8-bit
 *       codes in blocks ({@code m} bytes per code) with 256-entry byte tables: the same codes as
 *       {@code adc8}.</li>
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
  private MemorySegment packed8;
  private float[] table8;
  private float[] table4;
  /** Byte tables for the fast-scan kernels; their speed does not depend on the values. */
  private byte[] tableBytes;
  private byte[] tableBytes8;
  private final float[] scores = new float[N];
  private ProductQuantizer pq8;
  private ProductQuantizer pq4;
  private final KernelProvider panama = new PanamaKernelProvider();
  private final KernelProvider scalar = new ScalarKernelProvider();

  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom rnd = new SplittableRandom(1);
    int dim = 2 * m;
    pq8 = new ProductQuantizer(dim, m, 8, randomFloats(rnd, m * 256 * 2));
    pq4 = new ProductQuantizer(dim, m, 4, randomFloats(rnd, m * 16 * 2));
    byte[] bytes8 = new byte[N * m];
    byte[] bytes4 = new byte[N * m];
    for (int i = 0; i < bytes8.length; i++) {
      bytes8[i] = (byte) rnd.nextInt(256);
      bytes4[i] = (byte) rnd.nextInt(16);
    }
    float[] q = randomFloats(rnd, dim);
    table8 = new float[pq8.tableSize()];
    table4 = new float[pq4.tableSize()];
    pq8.innerProductTable(q, table8);
    pq4.innerProductTable(q, table4);
    arena = Arena.ofShared();
    codes8 = bytes8;
    codes4 = bytes4;
    packed = arena.allocate(FastScan.packedBytes(N, m, 4), 64);
    FastScan.pack(bytes4, 0, N, m, 4, packed, 0);
    packed8 = arena.allocate(FastScan.packedBytes(N, m, 8), 64);
    FastScan.pack(bytes8, 0, N, m, 8, packed8, 0);
    tableBytes = new byte[m * VectorKernels.FAST_SCAN_TABLE_STRIDE];
    rnd.nextBytes(tableBytes);
    tableBytes8 = new byte[m * 256];
    rnd.nextBytes(tableBytes8);
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

  private float[] fastScan(KernelProvider kernels) {
    kernels.pqFastScan4(packed, 0, N / FastScan.BLOCK, m, tableBytes, 0.01f, 0f, scores, 0);
    return scores;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScanPanama() {
    return fastScan(panama);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScanScalar() {
    return fastScan(scalar);
  }

  private float[] fastScan8(KernelProvider kernels) {
    kernels.pqFastScan8(packed8, 0, N / FastScan.BLOCK, m, tableBytes8, 0.01f, 0f, scores, 0);
    return scores;
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScan8Panama() {
    return fastScan8(panama);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public float[] fastScan8Scalar() {
    return fastScan8(scalar);
  }
}

package dev.quiver.bench.jmh;

import dev.quiver.engine.HugePages;
import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.ScalarKernelProvider;
import dev.quiver.simd.TopK;
import dev.quiver.simd.panama.PanamaKernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The single-query flat scan against the memory bandwidth of one core, measured in the same run:
 * 256 MB of float32 rows (1M rows at dim 64; off-heap, 64-byte aligned, far larger than any
 * cache) are scored in blocks of 1024 rows with a top-10 selection, and two plain vector sums
 * read the same bytes front to back: {@code streamSum} into one sum, {@code streamSumUnrolled}
 * into four. Every method reports the secondary metric {@code gb}, GB/s read from the segment;
 * the scan's rate over the faster sum's is the fraction of the read bandwidth it reaches. (On
 * the AMD Zen 4 machine this was written on, the unrolled sum, which issues loads fastest,
 * reads memory slowest.) {@code dotPerRowTopK} scores each row with its own dot call.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class ScanBenchmark {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final long DATA_BYTES = 256L << 20;
  private static final int BLOCK = 1024;
  private static final int K = 10;

  @Param({"64"})
  public int dim;

  @Param({"panama"})
  public String provider;

  private int rows;
  private long bytes;

  private KernelProvider kernels;
  private Arena arena;
  private MemorySegment data;
  private float[] query;
  private final float[] scores = new float[BLOCK];
  private final TopK top = new TopK(K);

  /** Bytes read from the segment, normalised by JMH to GB per second. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Bytes {
    public double gb;

    @Setup(Level.Iteration)
    public void clear() {
      gb = 0;
    }
  }

  @Setup
  public void setUp() {
    kernels = provider.equals("scalar") ? new ScalarKernelProvider() : new PanamaKernelProvider();
    rows = (int) (DATA_BYTES / ((long) dim * Float.BYTES)) / BLOCK * BLOCK;
    bytes = (long) rows * dim * Float.BYTES;
    arena = Arena.ofShared();
    // The memory FlatIndex scans: huge pages where the system grants them, for every kernel here.
    data = HugePages.allocate(arena, bytes);
    SplittableRandom rnd = new SplittableRandom(7);
    for (long i = 0; i < (long) rows * dim; i++) {
      data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
    }
    query = new float[dim];
    for (int i = 0; i < dim; i++) {
      query[i] = (float) rnd.nextDouble(-1, 1);
    }
  }

  @TearDown
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public float dotRowsTopK(Bytes read) {
    top.reset(K);
    long blockBytes = (long) BLOCK * dim * Float.BYTES;
    for (int start = 0; start < rows; start += BLOCK) {
      kernels.dotRows(query, data, start / BLOCK * blockBytes, BLOCK, dim, scores, 0);
      top.offerBlock(scores, 0, BLOCK, start, null);
    }
    read.gb += bytes * 1e-9;
    return top.threshold();
  }

  @Benchmark
  public float squareDistanceRowsTopK(Bytes read) {
    top.reset(K);
    long blockBytes = (long) BLOCK * dim * Float.BYTES;
    for (int start = 0; start < rows; start += BLOCK) {
      kernels.squareDistanceRows(query, data, start / BLOCK * blockBytes, BLOCK, dim, scores, 0);
      for (int i = 0; i < BLOCK; i++) {
        scores[i] = -scores[i]; // nearest first
      }
      top.offerBlock(scores, 0, BLOCK, start, null);
    }
    read.gb += bytes * 1e-9;
    return top.threshold();
  }

  @Benchmark
  public float dotPerRowTopK(Bytes read) {
    top.reset(K);
    long rowBytes = (long) dim * Float.BYTES;
    for (int start = 0; start < rows; start += BLOCK) {
      for (int r = 0; r < BLOCK; r++) {
        scores[r] = kernels.dot(query, data, (start + r) * rowBytes, dim);
      }
      top.offerBlock(scores, 0, BLOCK, start, null);
    }
    read.gb += bytes * 1e-9;
    return top.threshold();
  }

  /** Reads every byte once, front to back, into one vector sum. */
  @Benchmark
  public float streamSum(Bytes read) {
    FloatVector sum = FloatVector.zero(F);
    long steps = bytes / F.vectorByteSize();
    for (long i = 0; i < steps; i++) {
      sum = sum.add(load(i * F.vectorByteSize()));
    }
    read.gb += bytes * 1e-9;
    return sum.reduceLanes(VectorOperators.ADD);
  }

  /** As streamSum with four independent sums, the form that is fastest on cached data. */
  @Benchmark
  public float streamSumUnrolled(Bytes read) {
    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
    int step = 4 * F.vectorByteSize();
    long steps = bytes / step;
    for (long i = 0; i < steps; i++) {
      long o = i * step;
      s0 = s0.add(load(o));
      s1 = s1.add(load(o + F.vectorByteSize()));
      s2 = s2.add(load(o + 2L * F.vectorByteSize()));
      s3 = s3.add(load(o + 3L * F.vectorByteSize()));
    }
    read.gb += bytes * 1e-9;
    return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
  }

  private FloatVector load(long offset) {
    return FloatVector.fromMemorySegment(F, data, offset, ByteOrder.LITTLE_ENDIAN);
  }
}

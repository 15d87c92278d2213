package dev.quiver.bench.jmh;

import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.panama.PanamaKernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The scoring step of a graph walk: one query against 32 rows at random ordinals of a table far
 * larger than the caches (256 MB), so that nearly every row is a cache miss, as a node's
 * neighbours are on a large graph. {@code gathered} makes one call of the gathered-rows kernel;
 * {@code perRow} one dot call per row; {@code gatheredInt8} scores the same rows stored as int8
 * codes (a quarter of the bytes, as a walk over scalar-quantized rows reads them). Scores are
 * calls per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class GatherBenchmark {
  private static final long DATA_BYTES = 256L << 20;
  private static final int LIST = 32;
  private static final int LISTS = 1 << 14;

  @Param({"64", "768"})
  public int dim;

  /** Rows per call, up to 32: a walk's unvisited neighbours of a node are often only a few. */
  @Param({"32", "6"})
  public int count;

  private final KernelProvider kernels = new PanamaKernelProvider();
  private Arena arena;
  private MemorySegment data;
  private MemorySegment codes;
  private float[] query;
  private int[] ordinals;
  private final int[] list = new int[LIST];
  private final float[] scores = new float[LIST];
  private int next;

  @Setup
  public void setUp() {
    int rows = (int) (DATA_BYTES / (dim * 4L));
    arena = Arena.ofConfined();
    data = arena.allocate((long) rows * dim * 4, 64);
    SplittableRandom rnd = new SplittableRandom(7);
    for (long i = 0; i < (long) rows * dim; i++) {
      data.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
    }
    codes = arena.allocate((long) rows * dim, 64);
    for (long i = 0; i < (long) rows * dim; i++) {
      codes.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(-128, 128));
    }
    query = new float[dim];
    for (int j = 0; j < dim; j++) {
      query[j] = (float) rnd.nextDouble(-1, 1);
    }
    ordinals = new int[LISTS * LIST];
    for (int i = 0; i < ordinals.length; i++) {
      ordinals[i] = rnd.nextInt(rows);
    }
  }

  @TearDown
  public void tearDown() {
    arena.close();
  }

  private int[] nextList() {
    System.arraycopy(ordinals, next * LIST, list, 0, LIST);
    next = (next + 1) & (LISTS - 1);
    return list;
  }

  @Benchmark
  public float gathered() {
    int[] l = nextList();
    kernels.dotRows(query, data, l, count, dim, scores);
    return scores[0];
  }

  @Benchmark
  public float gatheredInt8() {
    int[] l = nextList();
    kernels.dotInt8Rows(query, codes, l, count, dim, scores);
    return scores[0];
  }

  @Benchmark
  public float perRow() {
    int[] l = nextList();
    long rowBytes = dim * 4L;
    for (int i = 0; i < count; i++) {
      scores[i] = kernels.dot(query, data, l[i] * rowBytes, dim);
    }
    return scores[0];
  }
}

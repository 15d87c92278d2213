package dev.quiver.bench.jmh;

import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.ScalarKernelProvider;
import dev.quiver.simd.panama.PanamaKernelProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * One pair of vectors, in cache: the Panama kernels against the scalar provider and against the
 * plain loop {@code s += a[i] * b[i]} (which the JIT does not vectorise: float addition is not
 * associative). Also the int8 and fp16 dot products, where the scalar form is the baseline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class DotProductBenchmark {
  @Param({"64", "128", "768"})
  public int dim;

  private final KernelProvider panama = new PanamaKernelProvider();
  private final KernelProvider scalar = new ScalarKernelProvider();
  private float[] a;
  private float[] b;
  private byte[] a8;
  private byte[] b8;
  private Arena arena;
  private MemorySegment halves;

  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(3);
    a = new float[dim];
    b = new float[dim];
    a8 = new byte[dim];
    b8 = new byte[dim];
    rnd.nextBytes(a8);
    rnd.nextBytes(b8);
    arena = Arena.ofConfined();
    halves = arena.allocate(2L * dim, 64);
    for (int i = 0; i < dim; i++) {
      a[i] = (float) rnd.nextDouble(-1, 1);
      b[i] = (float) rnd.nextDouble(-1, 1);
      halves.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(b[i]));
    }
  }

  @TearDown
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public float dotPanama() {
    return panama.dot(a, 0, b, 0, dim);
  }

  @Benchmark
  public float dotScalar() {
    return scalar.dot(a, 0, b, 0, dim);
  }

  @Benchmark
  public float dotPlainLoop() {
    float s = 0;
    for (int i = 0; i < dim; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Benchmark
  public float squareDistancePanama() {
    return panama.squareDistance(a, 0, b, 0, dim);
  }

  @Benchmark
  public float squareDistanceScalar() {
    return scalar.squareDistance(a, 0, b, 0, dim);
  }

  @Benchmark
  public float cosinePanama() {
    return panama.cosine(a, b, dim);
  }

  @Benchmark
  public float cosineScalar() {
    return scalar.cosine(a, b, dim);
  }

  @Benchmark
  public int dotInt8Panama() {
    return panama.dotInt8(a8, 0, b8, 0, dim);
  }

  @Benchmark
  public int dotInt8Scalar() {
    return scalar.dotInt8(a8, 0, b8, 0, dim);
  }

  @Benchmark
  public float dotFloat16Panama() {
    return panama.dotFloat16(a, halves, 0, dim);
  }

  @Benchmark
  public float dotFloat16Scalar() {
    return scalar.dotFloat16(a, halves, 0, dim);
  }
}

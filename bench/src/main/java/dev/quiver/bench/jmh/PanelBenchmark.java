package dev.quiver.bench.jmh;

import dev.quiver.simd.KernelProvider;
import dev.quiver.simd.ScalarKernelProvider;
import dev.quiver.simd.VectorKernels;
import dev.quiver.simd.panama.PanamaKernelProvider;
import java.lang.foreign.MemorySegment;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the register-tiled batch kernel against the FMA peak of one core, measured in
 * the same run: {@code dotPanel} scores 1000 queries against one packed panel of 64 rows, and
 * {@code fmaPeak} runs independent FMA chains that nothing but the FMA units limit. Both report
 * the secondary metric {@code gflop} in GFLOP/s; their ratio is the fraction of peak.
 * {@code packPanel} reports panels packed per second, to set against the scoring of one panel.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class PanelBenchmark {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int PANEL = VectorKernels.PANEL_ROWS;
  private static final int QUERIES = 1000;
  /** FMA chains per peak iteration: 16 hide the 4-cycle latency of both FMA pipes 4 times over. */
  private static final int CHAINS = 16;
  private static final int PEAK_STEPS = 1 << 16;

  @Param({"64", "768"})
  public int dim;

  @Param({"panama"})
  public String provider;

  private KernelProvider kernels;
  private float[] queries;
  private float[] panel;
  private float[] scores;
  private MemorySegment rows;
  private final float[] operands = {1.0001f, 0.9999f};

  /** Floating-point operations done, normalised by JMH to GFLOP per second. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Flops {
    public double gflop;

    @Setup(Level.Iteration)
    public void clear() {
      gflop = 0;
    }
  }

  @Setup
  public void setUp() {
    kernels = provider.equals("scalar") ? new ScalarKernelProvider() : new PanamaKernelProvider();
    SplittableRandom rnd = new SplittableRandom(42);
    queries = new float[QUERIES * dim];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = (float) rnd.nextDouble(-1, 1);
    }
    float[] data = new float[PANEL * dim];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) rnd.nextDouble(-1, 1);
    }
    rows = MemorySegment.ofArray(data);
    panel = new float[PANEL * dim];
    kernels.packPanel(rows, 0, PANEL, dim, panel);
    scores = new float[QUERIES * PANEL];
  }

  @Benchmark
  public float dotPanel(Flops flops) {
    kernels.dotPanel(queries, 0, QUERIES, dim, panel, scores);
    flops.gflop += 2e-9 * QUERIES * PANEL * dim;
    return scores[scores.length - 1];
  }

  @Benchmark
  public float fmaPeak(Flops flops) {
    FloatVector x = FloatVector.broadcast(F, operands[0]), y = FloatVector.broadcast(F, operands[1]);
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
    FloatVector a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0;
    FloatVector a15 = a0;
    for (int i = 0; i < PEAK_STEPS; i++) {
      a0 = x.fma(y, a0);
      a1 = x.fma(y, a1);
      a2 = x.fma(y, a2);
      a3 = x.fma(y, a3);
      a4 = x.fma(y, a4);
      a5 = x.fma(y, a5);
      a6 = x.fma(y, a6);
      a7 = x.fma(y, a7);
      a8 = x.fma(y, a8);
      a9 = x.fma(y, a9);
      a10 = x.fma(y, a10);
      a11 = x.fma(y, a11);
      a12 = x.fma(y, a12);
      a13 = x.fma(y, a13);
      a14 = x.fma(y, a14);
      a15 = x.fma(y, a15);
    }
    flops.gflop += 2e-9 * PEAK_STEPS * CHAINS * F.length();
    FloatVector sum = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
        .add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15);
    return sum.reduceLanes(VectorOperators.ADD);
  }

  @Benchmark
  public float packPanel() {
    kernels.packPanel(rows, 0, PANEL, dim, panel);
    return panel[panel.length - 1];
  }
}

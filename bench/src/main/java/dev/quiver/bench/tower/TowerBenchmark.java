package dev.quiver.bench.tower;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Path;
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
 * The user tower of the benchmark model (8 hashed ids of dim 32, one with 1M buckets; 16
 * bucketised numerics and 4 categoricals of dim 8; MLP 416-512-256-64, L2-normalised) in Quiver
 * and in ONNX Runtime (CPU, one intra-op thread) on the same requests (see {@link TowerPair}):
 * batch-1 latency ({@code *Batch1}, sample mode: p50/p99) and batch-256 throughput
 * ({@code *Batch256}, batches/s; rows/s is 256 times that). Quiver's time includes hashing,
 * bucketising and vocabulary lookups; ONNX Runtime gets resolved rows.
 *
 * <p>On a shared machine, {@link TowerCompare} alternates the two in one thread and also
 * reports CPU time, which other processes do not inflate.
 */
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
@State(Scope.Thread)
public class TowerBenchmark {
  /** The benchmark model directory. */
  @Param({"bench/target/tower-bench"})
  public String model;

  private TowerPair pair;
  private int next;

  @Setup
  public void setup() throws IOException, OrtException, InterruptedException {
    pair = new TowerPair(Path.of(model));
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] quiverBatch1() {
    return pair.quiver1(next++);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float ortBatch1() throws OrtException {
    return pair.ort1(next++);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float[] quiverBatch256() {
    return pair.quiver256(next++);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float ortBatch256() throws OrtException {
    return pair.ort256(next++);
  }

  @TearDown
  public void tearDown() throws OrtException {
    pair.close();
  }
}

package dev.quiver.bench.tower;

import dev.quiver.gpu.Cuda;
import dev.quiver.gpu.DynamicBatcher;
import dev.quiver.gpu.GpuTowerBackend;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * The user tower of {@link TowerBenchmark}'s model through {@link GpuTowerBackend} and
 * {@link CpuTowerBackend}, from raw feature values (the features are computed on the CPU in both):
 *
 * <ul>
 *   <li>{@code batch}: one call of {@code rows} requests (256, 1024, 4096); throughput in calls/s,
 *       times {@code rows} for requests/s. Run with {@code -t 1}: a call uses the state's buffers.
 *   <li>{@code single}: one request per call, sampled latency; on the GPU through the backend's
 *       dynamic batcher (up to 256 requests or 200 µs). {@code -t 1} gives the batch-1 latency,
 *       {@code -t 64} the throughput the batcher gains under load.
 * </ul>
 *
 * Set-up checks that the backend's vectors equal the CPU's to 1e-4 relative. The GPU backend
 * needs a CUDA device: without one its set-up fails with {@link Cuda#reason()}.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class GpuTowerBenchmark {
  private static final int POOL = 4096;

  /** The model and backend, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Model {
    @Param({"bench/target/tower-bench"})
    public String model;

    @Param({"gpu", "cpu"})
    public String backend;

    TowerModel quiver;
    Tower user;
    FeatureRow[] rows;
    TowerBackend b;

    @Setup
    public void setUp() throws IOException, InterruptedException {
      Path dir = Path.of(model);
      if (!Files.exists(dir.resolve("user.jsonl"))) {
        TowerPair.export(dir);
      }
      quiver = TowerModel.load(dir);
      user = quiver.user();
      List<FeatureRow> all = FeatureRows.readJsonl(dir.resolve("user.jsonl"), user);
      rows = new FeatureRow[POOL];
      for (int i = 0; i < POOL; i++) {
        rows[i] = all.get(i % all.size());
      }
      b = switch (backend) {
        case "gpu" -> new GpuTowerBackend(Cuda.runtime(), DynamicBatcher.Options.defaults());
        case "cpu" -> CpuTowerBackend.INSTANCE;
        default -> throw new IllegalArgumentException("backend " + backend + "; expected gpu or cpu");
      };
      checkAgainstCpu();
    }

    private void checkAgainstCpu() {
      int d = user.dim();
      float[] want = new float[POOL * d];
      float[] got = new float[POOL * d];
      user.embedBatch(rows, POOL, want);
      b.embed(user, rows, POOL, got);
      for (int v = 0; v < POOL; v++) {
        double diff = 0;
        double norm = 0;
        for (int i = v * d; i < (v + 1) * d; i++) {
          diff += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
          norm += (double) want[i] * want[i];
        }
        if (Math.sqrt(diff) > 1e-4 * Math.sqrt(norm)) {
          throw new IllegalStateException(backend + " differs from the CPU on request " + v);
        }
      }
    }

    @TearDown
    public void tearDown() {
      quiver.close(); // frees the GPU backend's copy of the tower
    }
  }

  /** A batch size and its output buffer. */
  @State(Scope.Thread)
  public static class Batch {
    @Param({"256", "1024", "4096"})
    public int rows;

    float[] out;
    FeatureRow[][] batches;
    int next;

    @Setup
    public void setUp(Model m) {
      out = new float[rows * m.user.dim()];
      batches = new FeatureRow[POOL / rows][];
      for (int b = 0; b < batches.length; b++) {
        batches[b] = java.util.Arrays.copyOfRange(m.rows, b * rows, (b + 1) * rows);
      }
    }
  }

  /** One caller's request slot and result. */
  @State(Scope.Thread)
  public static class Caller {
    final FeatureRow[] one = new FeatureRow[1];
    float[] out;
    int next = (int) Thread.currentThread().threadId() * 61;

    @Setup
    public void setUp(Model m) {
      out = new float[m.user.dim()];
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float[] batch(Model m, Batch s) {
    s.next = (s.next + 1) % s.batches.length;
    m.b.embed(m.user, s.batches[s.next], s.rows, s.out);
    return s.out;
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] single(Model m, Caller c) {
    c.one[0] = m.rows[c.next++ & (POOL - 1)];
    m.b.embed(m.user, c.one, 1, c.out);
    return c.out;
  }
}

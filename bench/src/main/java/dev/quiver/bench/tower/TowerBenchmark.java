package dev.quiver.bench.tower;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quiver.tower.Feature;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.FeatureType;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * and in ONNX Runtime (CPU, one intra-op thread) on the same requests: batch-1 latency
 * ({@code *Batch1}, sample mode: p50/p99) and batch-256 throughput ({@code *Batch256}, batches/s;
 * rows/s is 256 times that).
 *
 * <p>Quiver starts from raw feature values (hashing, bucketising and vocabulary lookups included
 * in its time); ONNX Runtime gets the id and category rows already resolved (by Quiver, outside
 * its time) and raw numerics, which its graph bucketises. Setup checks that both give the same
 * vectors. The model comes from {@code tower-runtime/python/export_tower.py bench}, which setup
 * runs when {@link #model} lacks it (from the repository root, with /usr/bin/python3).
 */
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 5, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
@State(Scope.Thread)
public class TowerBenchmark {
  private static final int BATCH = 256;
  private static final int POOL = 1024;

  /** The benchmark model directory. */
  @Param({"bench/target/tower-bench"})
  public String model;

  private TowerModel quiver;
  private Tower user;
  private FeatureRow[] rows;
  private FeatureRow[][] batches;
  private float[] one;
  private float[] many;
  private OrtEnvironment env;
  private OrtSession session;
  private Map<String, OnnxTensor>[] ortOne;
  private Map<String, OnnxTensor>[] ortMany;
  private int next;

  @Setup
  public void setup() throws IOException, OrtException, InterruptedException {
    Path dir = Path.of(model);
    if (!Files.exists(dir.resolve("user_tower.onnx"))) {
      export(dir);
    }
    quiver = TowerModel.load(dir);
    user = quiver.user();
    List<FeatureRow> all = FeatureRows.readJsonl(dir.resolve("user.jsonl"), user);
    rows = all.subList(0, POOL).toArray(FeatureRow[]::new);
    batches = new FeatureRow[POOL / BATCH][];
    for (int b = 0; b < batches.length; b++) {
      batches[b] = java.util.Arrays.copyOfRange(rows, b * BATCH, (b + 1) * BATCH);
    }
    one = new float[user.dim()];
    many = new float[BATCH * user.dim()];
    env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    session = env.createSession(dir.resolve("user_tower.onnx").toString(), options);
    ortOne = inputs(1);
    ortMany = inputs(BATCH);
    checkSameVectors();
  }

  /** Writes the benchmark model into {@code dir} with export_tower.py (from the repository root). */
  static void export(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("/usr/bin/python3", "tower-runtime/python/export_tower.py", "bench",
        "--out", dir.toString()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("export_tower.py bench failed; run it from the repository root");
    }
  }

  /** ONNX inputs for the request pool in batches of {@code size}: resolved rows and raw numerics. */
  @SuppressWarnings("unchecked")
  private Map<String, OnnxTensor>[] inputs(int size) throws OrtException {
    List<Feature> fs = user.features();
    int ids = count(fs, FeatureType.ID), nums = count(fs, FeatureType.NUMERIC);
    int cats = count(fs, FeatureType.CATEGORICAL);
    Map<String, OnnxTensor>[] out = new Map[POOL / size];
    for (int b = 0; b < out.length; b++) {
      long[] id = new long[size * ids], cat = new long[size * cats];
      float[] num = new float[size * nums];
      for (int r = 0; r < size; r++) {
        FeatureRow row = rows[b * size + r];
        int i = 0, n = 0, c = 0;
        for (int f = 0; f < fs.size(); f++) {
          switch (fs.get(f).type()) {
            case ID -> id[r * ids + i++] = fs.get(f).bucket(row, f, 0);
            case NUMERIC -> num[r * nums + n++] = (float) row.number(f);
            case CATEGORICAL -> cat[r * cats + c++] = fs.get(f).bucket(row, f, 0);
          }
        }
      }
      out[b] = Map.of(
          "ids", OnnxTensor.createTensor(env, LongBuffer.wrap(id), new long[] {size, ids}),
          "numerics", OnnxTensor.createTensor(env, FloatBuffer.wrap(num), new long[] {size, nums}),
          "categories", OnnxTensor.createTensor(env, LongBuffer.wrap(cat), new long[] {size, cats}));
    }
    return out;
  }

  private static int count(List<Feature> fs, FeatureType t) {
    int n = 0;
    for (Feature f : fs) {
      n += f.type() == t ? 1 : 0;
    }
    return n;
  }

  private void checkSameVectors() throws OrtException {
    user.embedBatch(batches[0], BATCH, many);
    try (OrtSession.Result r = session.run(ortMany[0])) {
      float[] ort = ((OnnxTensor) r.get(0)).getFloatBuffer().array();
      double worst = 0;
      for (int i = 0; i < many.length; i++) {
        worst = Math.max(worst, Math.abs(ort[i] - many[i]));
      }
      if (worst > 1e-5) {
        throw new IllegalStateException("Quiver and ONNX Runtime differ by " + worst);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float[] quiverBatch1() {
    user.embed(rows[next++ & (POOL - 1)], one);
    return one;
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public float ortBatch1() throws OrtException {
    try (OrtSession.Result r = session.run(ortOne[next++ & (POOL - 1)])) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float[] quiverBatch256() {
    user.embedBatch(batches[next++ & (batches.length - 1)], BATCH, many);
    return many;
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float ortBatch256() throws OrtException {
    try (OrtSession.Result r = session.run(ortMany[next++ & (ortMany.length - 1)])) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
  }

  @TearDown
  public void tearDown() throws OrtException {
    for (Map<String, OnnxTensor>[] set : List.of(ortOne, ortMany)) {
      for (Map<String, OnnxTensor> m : set) {
        m.values().forEach(OnnxTensor::close);
      }
    }
    session.close();
    quiver.close();
  }
}

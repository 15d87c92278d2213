package dev.quiver.bench.tower;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.quiver.engine.HugePages;
import dev.quiver.tower.Feature;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.FeatureType;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's user tower loaded twice, in Quiver and in ONNX Runtime (CPU, one intra-op
 * thread, so that it computes on the calling thread), with a pool of {@value #POOL} requests
 * prepared for both: raw feature rows for Quiver; for ONNX Runtime, the id and category rows
 * already resolved (by Quiver, outside any timing) and raw numerics, which its graph bucketises.
 * Construction checks that both give the same vectors. Single-threaded.
 *
 * <p>The model comes from {@code tower-runtime/python/export_tower.py bench}, run here when the
 * directory lacks it (from the repository root, with /usr/bin/python3).
 */
final class TowerPair implements AutoCloseable {
  static final int BATCH = 256;
  static final int POOL = 1024;
  /** Multiply-adds of one row through the MLP 416-512-256-64, times 2: the flops of a row. */
  static final long FLOPS_PER_ROW = 2L * (416 * 512 + 512 * 256 + 256 * 64);

  private final Arena arena = Arena.ofShared();
  final TowerModel quiver;
  final Tower user;
  final FeatureRow[] rows;
  final FeatureRow[][] batches;
  final float[] one;
  final float[] many;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Map<String, OnnxTensor>[] ortOne;
  private final Map<String, OnnxTensor>[] ortMany;

  TowerPair(Path dir) throws IOException, OrtException, InterruptedException {
    if (!Files.exists(dir.resolve("user_tower.onnx"))) {
      export(dir);
    }
    // As the engine loads a model: tables on huge pages, which random row reads need.
    quiver = TowerModel.load(dir, arena, HugePages::allocate);
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

  /** Request {@code i} (mod the pool) through Quiver; returns its vector. */
  float[] quiver1(int i) {
    user.embed(rows[i & (POOL - 1)], one);
    return one;
  }

  /** Request {@code i} (mod the pool) through ONNX Runtime; returns its first component. */
  float ort1(int i) throws OrtException {
    try (OrtSession.Result r = session.run(ortOne[i & (POOL - 1)])) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
  }

  /** Batch {@code b} (mod the pool) through Quiver. */
  float[] quiver256(int b) {
    user.embedBatch(batches[b & (batches.length - 1)], BATCH, many);
    return many;
  }

  /** Batch {@code b} (mod the pool) through ONNX Runtime; returns its first component. */
  float ort256(int b) throws OrtException {
    try (OrtSession.Result r = session.run(ortMany[b & (ortMany.length - 1)])) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
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

  @Override
  public void close() throws OrtException {
    for (Map<String, OnnxTensor>[] set : List.of(ortOne, ortMany)) {
      for (Map<String, OnnxTensor> m : set) {
        m.values().forEach(OnnxTensor::close);
      }
    }
    session.close();
    arena.close();
  }
}

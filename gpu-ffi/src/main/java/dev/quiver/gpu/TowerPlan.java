package dev.quiver.gpu;

import dev.quiver.tower.Activation;
import dev.quiver.tower.DenseLayer;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Head;
import dev.quiver.tower.Tower;
import java.util.ArrayList;
import java.util.List;

/**
 * One tower's dense layers resident on the device, and the host buffers of a chunk of rows: the
 * CPU computes the features (hashing, lookups, pooling, SENet) with {@link Tower#denseInput},
 * the device runs the shared layers, each head's layers, L2 normalisation and temperature.
 *
 * <p>A one-head tower is one {@link GpuMlp} (shared and head layers together); with several
 * heads the shared layers are one and each head another, the shared output going through the
 * host between them. What a {@link DenseNetwork} cannot express (a head without layers, a
 * temperature without normalisation) is finished on the host with {@link Head#finish}.
 *
 * <p>Thread-safe: the {@code embed} methods and {@link #close} hold the plan's lock, so one batch
 * at a time runs on the device. Holds no reference to its tower, so that a map weakly keyed by the tower
 * can hold the plan.
 */
final class TowerPlan implements AutoCloseable {
  private final int inputWidth;
  private final int dim;
  private final Head[] heads;
  private final int chunk;
  private final GpuMlp trunk;
  private final GpuMlp[] headMlps;
  private final boolean[] finishOnHost;
  private final float[] x;
  private final float[] shared;
  private final float[] headOut;
  private final float[] results;
  private final ThreadLocal<Single> singles;
  private boolean closed;

  private TowerPlan(Tower tower, int chunk, GpuMlp trunk, GpuMlp[] headMlps, boolean[] finishOnHost) {
    this.inputWidth = tower.inputWidth();
    this.dim = tower.dim();
    this.heads = tower.headList().toArray(Head[]::new);
    this.chunk = chunk;
    this.trunk = trunk;
    this.headMlps = headMlps;
    this.finishOnHost = finishOnHost;
    int trunkWidth = trunk == null ? inputWidth : trunk.network().outputDim();
    this.x = new float[chunk * inputWidth];
    this.shared = trunk == null ? x : new float[chunk * trunkWidth];
    this.headOut = new float[chunk * dim];
    this.results = new float[chunk * heads.length * dim];
    this.singles = ThreadLocal.withInitial(() -> new Single(inputWidth));
  }

  /** Why {@code tower} cannot run on the device, or null when it can. */
  static String unsupported(Tower tower) {
    List<DenseLayer> all = new ArrayList<>(tower.layers());
    for (Head h : tower.headList()) {
      all.addAll(h.layers());
    }
    if (all.isEmpty()) {
      return "tower '" + tower.name() + "' has no dense layers";
    }
    for (int h = 1; h < tower.heads(); h++) {
      if (tower.headDim(h) != tower.headDim(0)) {
        return "tower '" + tower.name() + "' has heads of different dimensions " + tower.describeHeads()
            + ", which the device plan lays out as one";
      }
    }
    for (DenseLayer l : all) {
      String lacking = l.layerNormed() ? "a layer norm" : !l.plain() ? "per-channel PReLU slopes"
          : l.activation().compareTo(Activation.SILU) > 0 ? l.activation().toString() : null;
      if (lacking != null) {
        return "tower '" + tower.name() + "' has " + lacking + ", which the device kernels lack";
      }
    }
    return null;
  }

  /**
   * Uploads {@code tower}'s layers for chunks of up to {@code chunk} rows.
   *
   * @throws CudaException if an allocation or copy fails; what was uploaded is freed
   */
  static TowerPlan upload(Cuda cuda, Tower tower, int chunk, GpuMlp.Gemm gemm) {
    List<GpuMlp> made = new ArrayList<>();
    try {
      List<Head> hs = tower.headList();
      GpuMlp[] headMlps = new GpuMlp[hs.size()];
      boolean[] host = new boolean[hs.size()];
      GpuMlp trunk = null;
      if (hs.size() == 1) {
        List<DenseLayer> all = new ArrayList<>(tower.layers());
        all.addAll(hs.get(0).layers());
        headMlps[0] = upload(cuda, all, hs.get(0), chunk, gemm, made);
        host[0] = needsHost(hs.get(0));
      } else {
        trunk = tower.layers().isEmpty() ? null : upload(cuda, tower.layers(), null, chunk, gemm, made);
        for (int h = 0; h < hs.size(); h++) {
          Head head = hs.get(h);
          headMlps[h] = head.layers().isEmpty() ? null : upload(cuda, head.layers(), head, chunk, gemm, made);
          host[h] = headMlps[h] == null || needsHost(head);
        }
      }
      return new TowerPlan(tower, chunk, trunk, headMlps, host);
    } catch (RuntimeException e) {
      for (GpuMlp m : made) {
        try {
          m.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /** A head's scaling that {@link DenseNetwork} cannot do: a temperature without normalisation. */
  private static boolean needsHost(Head head) {
    return !head.l2Normalize() && head.temperature() != 1f;
  }

  private static GpuMlp upload(Cuda cuda, List<DenseLayer> layers, Head head, int chunk,
      GpuMlp.Gemm gemm, List<GpuMlp> made) {
    List<LayerWeights> weights = new ArrayList<>(layers.size());
    for (DenseLayer l : layers) {
      weights.add(LayerWeights.of(l));
    }
    boolean l2 = head != null && head.l2Normalize();
    DenseNetwork net = new DenseNetwork(weights, l2, l2 ? head.temperature() : 1f);
    GpuMlp mlp = GpuMlp.upload(cuda, net, chunk, gemm);
    made.add(mlp);
    return mlp;
  }

  /**
   * Embeds {@code rows[0, count)} of {@code tower} (the tower this plan was uploaded from) into
   * {@code out} as {@link Tower#embedBatch} lays it out, a chunk at a time.
   *
   * @throws IllegalArgumentException for a row of another tower (from {@link Tower#denseInput})
   * @throws CudaException if the device fails
   * @throws IllegalStateException if the plan is closed
   */
  synchronized void embed(Tower tower, FeatureRow[] rows, int count, float[] out) {
    checkOpen();
    for (int r0 = 0; r0 < count; r0 += chunk) {
      int n = Math.min(chunk, count - r0);
      tower.denseInput(rows, r0, n, x, 0);
      run(n, r0, out);
    }
  }

  /**
   * Embeds a batch of single requests whose dense inputs their callers computed
   * ({@link #single()}), each result into its caller's array.
   *
   * @throws CudaException if the device fails
   * @throws IllegalStateException if the plan is closed
   */
  synchronized void embed(DynamicBatcher.Batch<Single, float[]> batch) {
    checkOpen();
    int n = batch.size();
    for (int i = 0; i < n; i++) {
      System.arraycopy(batch.request(i).x, 0, x, i * inputWidth, inputWidth);
    }
    run(n, 0, results);
    int width = heads.length * dim;
    for (int i = 0; i < n; i++) {
      System.arraycopy(results, i * width, batch.result(i), 0, width);
    }
  }

  /** The calling thread's holder of a single request. */
  Single single() {
    return singles.get();
  }

  /**
   * One caller's request on its way through the batcher: the row (for the CPU fallback) and its
   * dense input, computed on the caller's thread so that callers hash and look up in parallel.
   * Reused by its thread; {@link #row} is cleared after each call.
   */
  static final class Single {
    final FeatureRow[] one = new FeatureRow[1];
    final float[] x;
    FeatureRow row;

    Single(int inputWidth) {
      x = new float[inputWidth];
    }
  }

  /** Runs the {@code n} rows in {@link #x} through the device into rows {@code r0 ..} of {@code out}. */
  private void run(int n, int r0, float[] out) {
    if (trunk != null) {
      trunk.forward(x, n, shared);
    }
    for (int h = 0; h < heads.length; h++) {
      float[] v = shared;
      if (headMlps[h] != null) {
        headMlps[h].forward(shared, n, headOut);
        v = headOut;
      }
      scatter(v, n, r0, h, out);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the tower's device copy is freed: its model is closed");
    }
  }

  /** Copies head {@code h}'s rows of a chunk to their places in {@code out}, finishing them if needed. */
  private void scatter(float[] v, int n, int r0, int h, float[] out) {
    for (int r = 0; r < n; r++) {
      int o = ((r0 + r) * heads.length + h) * dim;
      System.arraycopy(v, r * dim, out, o, dim);
      if (finishOnHost[h]) {
        heads[h].finish(out, o, dim);
      }
    }
  }

  /** Frees the device memory; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    List<GpuMlp> all = new ArrayList<>();
    if (trunk != null) {
      all.add(trunk);
    }
    for (GpuMlp m : headMlps) {
      if (m != null) {
        all.add(m);
      }
    }
    for (GpuMlp m : all) {
      try {
        m.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}

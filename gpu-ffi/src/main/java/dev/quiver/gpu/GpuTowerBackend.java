package dev.quiver.gpu;

import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Computes towers on the GPU: features on the CPU ({@link Tower#denseInput}), dense layers, heads,
 * L2 normalisation and temperature on the device ({@link TowerPlan}).
 *
 * <p>Each {@link Tower} is uploaded on its first request and freed when its model closes (a
 * {@link Tower#onClose} hook); plans are held in a map weakly keyed by the tower. A batch of one
 * (an online request) computes its features on the caller's thread, then goes through a
 * {@link DynamicBatcher} per tower, so that concurrent callers share one device batch; larger
 * batches go to the device directly, in chunks of {@link #CHUNK} rows.
 *
 * <p>A request is never dropped: when the device fails it is answered by the CPU and counted
 * ({@link #fallbackCount()}). After a sticky CUDA error ({@link CudaException#sticky()}) the
 * device is marked broken ({@link #broken()}) and every later request goes straight to the CPU.
 * Each kind of trouble is logged once. Thread-safe.
 */
public final class GpuTowerBackend implements TowerBackend {
  /** Rows per device run, and the size of each tower's host and device buffers. */
  public static final int CHUNK = 4096;

  private static final System.Logger LOG = System.getLogger(GpuTowerBackend.class.getName());

  private final Cuda cuda;
  private final DynamicBatcher.Options batching;
  private final GpuMlp.Gemm gemm;
  private final Map<Tower, Slot> plans = new WeakHashMap<>(); // guarded by itself
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicBoolean errorLogged = new AtomicBoolean();
  private volatile String broken;

  /**
   * @param cuda an available runtime
   * @param batching the batcher in front of single requests; at most {@link #CHUNK} per batch
   * @throws IllegalArgumentException if {@code batching} batches more than {@link #CHUNK}
   * @throws IllegalStateException naming CUDA's reason when {@code cuda} is unavailable
   */
  public GpuTowerBackend(Cuda cuda, DynamicBatcher.Options batching) {
    cuda.binding(); // refuses an unavailable runtime with its reason
    if (batching.maxBatch() > CHUNK) {
      throw new IllegalArgumentException("maxBatch " + batching.maxBatch() + " exceeds " + CHUNK);
    }
    this.cuda = cuda;
    this.batching = batching;
    this.gemm = GpuMlp.defaultGemm();
  }

  /** One tower's device copy and batcher, or why it runs on the CPU. */
  private record Slot(TowerPlan plan, DynamicBatcher<TowerPlan.Single, float[]> batcher,
      String refused) {}

  @Override
  public String name() {
    return "gpu";
  }

  @Override
  public void embed(Tower tower, FeatureRow[] rows, int count, float[] out) {
    if (count < 0 || count > rows.length) {
      throw new IllegalArgumentException("count " + count + " outside [0, " + rows.length + "]");
    }
    if (out.length < (long) count * tower.width()) {
      throw new IllegalArgumentException("out holds " + out.length + " floats; " + count + " rows x "
          + tower.width() + " (heads " + tower.describeHeads() + ") need " + (long) count * tower.width());
    }
    if (count == 0) {
      return;
    }
    Slot slot = broken == null ? slot(tower) : null;
    if (slot == null || slot.refused != null) {
      tower.embedBatch(rows, count, out);
    } else if (count == 1) {
      single(slot, tower, rows[0], out);
    } else {
      try {
        slot.plan.embed(tower, rows, count, out);
      } catch (IllegalArgumentException e) {
        throw e; // a bad row: the CPU would refuse it too
      } catch (RuntimeException e) {
        failed(e, count);
        tower.embedBatch(rows, count, out);
      }
    }
  }

  /** Requests the device failed and the CPU answered. */
  public long fallbackCount() {
    return fallbacks.get();
  }

  /** Why the device is no longer used (a sticky CUDA error), or null while it is. */
  public String broken() {
    return broken;
  }

  private Slot slot(Tower tower) {
    Slot s;
    synchronized (plans) {
      s = plans.get(tower);
      if (s == null) {
        s = open(tower);
        plans.put(tower, s);
      }
    }
    return s;
  }

  /** Uploads {@code tower} and registers its release; a refusal is kept so it is tried once. */
  private Slot open(Tower tower) {
    String why = TowerPlan.unsupported(tower);
    if (why != null) {
      return refuse(tower, why);
    }
    TowerPlan plan;
    try {
      plan = TowerPlan.upload(cuda, tower, CHUNK, gemm);
    } catch (RuntimeException e) {
      if (e instanceof CudaException c && c.sticky()) {
        markBroken(c);
      }
      return refuse(tower, "upload failed: " + e.getMessage());
    }
    DynamicBatcher<TowerPlan.Single, float[]> batcher = new DynamicBatcher<>("gpu-" + tower.name(),
        batching, batch -> runBatch(plan, batch), this::fallback);
    Slot s = new Slot(plan, batcher, null);
    tower.onClose(() -> release(tower, s));
    return s;
  }

  private Slot refuse(Tower tower, String why) {
    LOG.log(Level.WARNING, "tower ''{0}'' runs on the CPU: {1}", tower.name(), why);
    return new Slot(null, null, why);
  }

  /** The close hook: serves what the batcher holds, then frees the device copy. */
  private void release(Tower tower, Slot s) {
    synchronized (plans) {
      plans.remove(tower);
    }
    try {
      s.batcher.close();
      s.plan.close();
    } catch (RuntimeException e) {
      // Closing the model must not fail because the device did (after a sticky error every
      // free fails; the context's memory goes with the process).
      LOG.log(Level.WARNING, "freeing tower '" + tower.name() + "' on the GPU failed", e);
    }
  }

  /**
   * A single request: its dense input computed on the caller's thread (a bad row is refused
   * here), then the device through the tower's batcher.
   */
  private static void single(Slot slot, Tower tower, FeatureRow row, float[] out) {
    TowerPlan.Single s = slot.plan.single();
    s.one[0] = row;
    try {
      tower.denseInput(s.one, 0, 1, s.x, 0);
      s.row = row;
      slot.batcher.call(s, out);
    } finally {
      s.one[0] = null;
      s.row = null;
    }
  }

  /** The batch function. */
  private void runBatch(TowerPlan plan, DynamicBatcher.Batch<TowerPlan.Single, float[]> batch) {
    if (broken != null) {
      throw new IllegalStateException("GPU unusable: " + broken);
    }
    try {
      plan.embed(batch);
    } catch (RuntimeException e) {
      note(e);
      throw e;
    }
  }

  /** The batcher's fallback: one request of a failed batch, on its caller's thread. */
  private void fallback(TowerPlan.Single s, float[] out) {
    fallbacks.incrementAndGet();
    s.row.tower().embed(s.row, out);
  }

  private void failed(RuntimeException e, int rows) {
    fallbacks.addAndGet(rows);
    note(e);
  }

  /** Marks the device broken after a sticky error, else logs the first failure. */
  private void note(RuntimeException e) {
    if (e instanceof CudaException c && c.sticky()) {
      markBroken(c);
    } else if (errorLogged.compareAndSet(false, true)) {
      LOG.log(Level.WARNING, "GPU tower request failed, answered on the CPU (logged once)", e);
    }
  }

  private synchronized void markBroken(CudaException e) {
    if (broken == null) {
      broken = e.getMessage();
      LOG.log(Level.ERROR, "GPU unusable after a sticky CUDA error; towers run on the CPU from now on", e);
    }
  }
}

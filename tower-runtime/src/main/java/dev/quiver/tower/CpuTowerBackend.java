package dev.quiver.tower;

/** Computes towers on the calling thread with the SIMD kernels. Stateless and thread-safe. */
public final class CpuTowerBackend implements TowerBackend {
  /** The one instance. */
  public static final CpuTowerBackend INSTANCE = new CpuTowerBackend();

  private CpuTowerBackend() {}

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public void embed(Tower tower, FeatureRow[] rows, int count, float[] out) {
    tower.embedBatch(rows, count, out);
  }
}

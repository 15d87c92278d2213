package dev.quiver.tower;

/**
 * Where tower vectors are computed: the engine asks a backend for "vectors of these rows"
 * without knowing whether the CPU or a GPU computes them. Implementations are thread-safe.
 */
public interface TowerBackend {
  /** A short name for logs: cpu, gpu. */
  String name();

  /**
   * Embeds {@code rows[0, count)} with {@code tower}: row r, head h at
   * {@code out[r * tower.width() + tower.headOffset(h) ..]}, as {@link Tower#embedBatch} does.
   */
  void embed(Tower tower, FeatureRow[] rows, int count, float[] out);
}

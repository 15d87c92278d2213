package dev.quiver.serving.recall;

import dev.quiver.engine.VectorStore;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import java.io.IOException;
import java.util.function.IntConsumer;

/**
 * The offline step of a snapshot build: every item's features through the item tower, in
 * batches, into the vectors the item index is built over. The item tower must have one head:
 * one index serves every user head, each scoring the same item vectors. Stateless; each call
 * uses its own rows and buffers, so calls may run on several threads at once.
 */
public final class ItemEmbedder {
  /** Rows per call of the tower: large enough for its batched kernels, small enough for L2. */
  public static final int BATCH = 256;

  /** Fills {@code row} (cleared) with the features of item {@code i}. */
  @FunctionalInterface
  public interface ItemSource {
    void fill(int i, FeatureRow row) throws IOException;
  }

  private ItemEmbedder() {}

  /**
   * Embeds items {@code 0..count-1} through {@code tower} on {@code backend} into a new store
   * (the caller closes it), telling {@code progress} the number of items done after each batch.
   */
  public static VectorStore embed(Tower tower, TowerBackend backend, int count, ItemSource items,
                                  IntConsumer progress) throws IOException {
    if (tower.heads() != 1) {
      throw new IllegalArgumentException("item tower '" + tower.name() + "' has " + tower.heads()
          + " heads " + tower.headNames() + "; one index needs one item vector per item");
    }
    if (count <= 0) {
      throw new IllegalArgumentException("item count must be positive, was " + count);
    }
    FeatureRow[] rows = new FeatureRow[Math.min(BATCH, count)];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = tower.newRow();
    }
    float[] out = new float[rows.length * tower.dim()];
    VectorStore store = VectorStore.allocate(tower.dim(), count);
    try {
      for (int start = 0; start < count; start += rows.length) {
        int n = Math.min(rows.length, count - start);
        for (int r = 0; r < n; r++) {
          items.fill(start + r, rows[r].clear());
        }
        backend.embed(tower, rows, n, out);
        store.appendRows(java.lang.foreign.MemorySegment.ofArray(out), 0, n, java.nio.ByteOrder.nativeOrder());
        progress.accept(start + n);
      }
      return store;
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }
}

package dev.quiver.serving.recall;

import dev.quiver.engine.VectorStore;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The offline step of a snapshot build: every item's features through the item tower, in
 * batches, into the vectors the item indexes are built over: one set of vectors per item head
 * (one index each). Stateless; each call uses its own rows and buffers, so calls may run on
 * several threads at once.
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
   * Embeds items {@code 0..count-1} through {@code tower}, which must have one head, on
   * {@code backend} into a new store (the caller closes it), telling {@code progress} the number
   * of items done after each batch.
   */
  public static VectorStore embed(Tower tower, TowerBackend backend, int count, ItemSource items,
                                  IntConsumer progress) throws IOException {
    if (tower.heads() != 1) {
      throw new IllegalArgumentException("item tower '" + tower.name() + "' has " + tower.heads()
          + " heads " + tower.headNames() + "; embedHeads gives one store per head");
    }
    return embedHeads(tower, backend, count, items, progress).getFirst();
  }

  /**
   * As {@link #embed}, for an item tower of any number of heads: one new store per head, in head
   * order (the caller closes them).
   */
  public static List<VectorStore> embedHeads(Tower tower, TowerBackend backend, int count, ItemSource items,
                                             IntConsumer progress) throws IOException {
    if (count <= 0) {
      throw new IllegalArgumentException("item count must be positive, was " + count);
    }
    int heads = tower.heads(), width = tower.width();
    FeatureRow[] rows = new FeatureRow[Math.min(BATCH, count)];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = tower.newRow();
    }
    float[] out = new float[rows.length * width];
    float[] head = new float[rows.length * width];
    List<VectorStore> stores = new ArrayList<>();
    try {
      for (int h = 0; h < heads; h++) {
        stores.add(VectorStore.allocate(tower.headDim(h), count));
      }
      for (int start = 0; start < count; start += rows.length) {
        int n = Math.min(rows.length, count - start);
        for (int r = 0; r < n; r++) {
          items.fill(start + r, rows[r].clear());
        }
        backend.embed(tower, rows, n, out);
        for (int h = 0; h < heads; h++) {
          int dim = tower.headDim(h);
          for (int r = 0; r < n; r++) {
            System.arraycopy(out, r * width + tower.headOffset(h), head, r * dim, dim);
          }
          stores.get(h).appendRows(MemorySegment.ofArray(head), 0, n, ByteOrder.nativeOrder());
        }
        progress.accept(start + n);
      }
      return stores;
    } catch (IOException | RuntimeException e) {
      for (VectorStore s : stores) {
        s.close();
      }
      throw e;
    }
  }
}

package dev.quiver.serving.recall;

import dev.quiver.engine.IdMap;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.util.concurrent.Executor;

/**
 * The fresh items of one snapshot: a delta segment per item head, embedded by that snapshot's
 * own item tower, and the ordinals of its main index hidden because the item was taken down or
 * replaced by a fresh vector. Dropped with its snapshot.
 */
final class FreshState implements AutoCloseable {
  final Snapshot<TowerModel> snapshot;
  final Tower itemTower;
  final DeltaSegment[] deltas;
  final ConcurrentBits hiddenInMain;
  private final IdMap mainIds;

  FreshState(Snapshot<TowerModel> snapshot, FreshConfig config, Executor background) {
    this.snapshot = snapshot;
    this.itemTower = snapshot.model().item();
    this.mainIds = snapshot.ids();
    this.hiddenInMain = new ConcurrentBits(mainIds.size());
    this.deltas = new DeltaSegment[itemTower.heads()];
    for (int h = 0; h < deltas.length; h++) {
      deltas[h] = new DeltaSegment("snapshot v" + snapshot.version() + " item head " + itemTower.headNames().get(h),
          itemTower.headDim(h), snapshot.manifest().metric(), config, background);
    }
  }

  /** Item head {@code itemHead}'s delta, searched beside that head's index. */
  DeltaSegment delta(int itemHead) {
    return deltas[itemHead];
  }

  void checkRoom(int more) {
    for (DeltaSegment d : deltas) {
      d.checkRoom(more);
    }
  }

  /** Item {@code id} with its vectors, one per item head, at {@code vectors[offset..)} as the tower lays them out. */
  void put(long id, float[] vectors, int offset) {
    hideInMain(id);
    for (int h = 0; h < deltas.length; h++) {
      deltas[h].put(id, vectors, offset + itemTower.headOffset(h));
    }
  }

  void remove(long id) {
    hideInMain(id);
    for (DeltaSegment d : deltas) {
      d.remove(id);
    }
  }

  private void hideInMain(long id) {
    int ordinal = mainIds.ordinal(id);
    if (ordinal >= 0) {
      hiddenInMain.set(ordinal);
    }
  }

  @Override
  public void close() {
    for (DeltaSegment d : deltas) {
      d.close();
    }
  }
}

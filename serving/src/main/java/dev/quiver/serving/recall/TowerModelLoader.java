package dev.quiver.serving.recall;

import dev.quiver.engine.HugePages;
import dev.quiver.serving.snapshot.ModelLoader;
import dev.quiver.serving.snapshot.SnapshotLoader;
import dev.quiver.serving.snapshot.Warmup;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Loads a snapshot's two-tower model into the snapshot's arena, refusing one whose towers
 * disagree on the vector dimension (user vectors must be comparable with item vectors).
 * Stateless and thread-safe; a loaded model lives until its snapshot's arena is closed.
 */
public final class TowerModelLoader implements ModelLoader<TowerModel> {
  public static final TowerModelLoader INSTANCE = new TowerModelLoader();

  private TowerModelLoader() {}

  /**
   * The loader of recall snapshots: tower models, and a warm-up that runs the user tower on an
   * empty row (every feature missing) and {@code searches} random searches before a snapshot
   * serves.
   */
  public static SnapshotLoader<TowerModel> snapshots(int searches) {
    Warmup<TowerModel> tower = s -> {
      FeatureRow row = s.model().user().newRow();
      float[] out = new float[s.model().user().heads() * s.model().user().dim()];
      for (int i = 0; i < searches; i++) {
        s.model().user().embed(row, out);
      }
    };
    return SnapshotLoader.of(INSTANCE).warmup(tower.andThen(Warmup.searches(searches, 10, dev.quiver.engine.Params.DEFAULT)));
  }

  /** Embedding tables go on huge pages: a request's lookups land anywhere in tables of many MiB. */
  @Override
  public TowerModel load(Path modelDir, Arena arena) throws IOException {
    TowerModel model = TowerModel.load(modelDir, arena, HugePages::allocate);
    if (model.user().dim() != model.item().dim()) {
      int user = model.user().dim();
      int item = model.item().dim();
      model.close();
      throw new IOException(modelDir + ": user tower gives " + user + "-d vectors, item tower " + item
          + "-d: they cannot be compared");
    }
    return model;
  }

  @Override
  public int dimension(TowerModel model) {
    return model.user().dim();
  }
}

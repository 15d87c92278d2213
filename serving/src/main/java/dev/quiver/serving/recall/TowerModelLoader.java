package dev.quiver.serving.recall;

import dev.quiver.engine.HugePages;
import dev.quiver.serving.snapshot.ModelLoader;
import dev.quiver.serving.snapshot.PublishGate;
import dev.quiver.serving.snapshot.SnapshotLoader;
import dev.quiver.serving.snapshot.Warmup;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Loads a snapshot's two-tower model into the snapshot's arena, refusing one whose towers
 * share no vector dimension (user vectors must be comparable with item vectors).
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
      float[] out = new float[s.model().user().width()];
      for (int i = 0; i < searches; i++) {
        s.model().user().embed(row, out);
      }
    };
    return SnapshotLoader.of(INSTANCE).warmup(tower.andThen(Warmup.searches(searches, 10, dev.quiver.engine.Params.DEFAULT)));
  }

  /**
   * The gate of recall snapshots: each version loaded by this loader, fully verified, then
   * {@code check} (a {@link RecallCheck}, say) run on it.
   */
  public static PublishGate<TowerModel> gate(PublishGate.Check<TowerModel> check) {
    return PublishGate.loading(SnapshotLoader.of(INSTANCE)).andCheck(check);
  }

  /**
   * Embedding tables go on huge pages: a request's lookups land anywhere in tables of many MiB.
   * Refuses a model none of whose user heads gives a dimension that an item head gives; which
   * heads pair is the served snapshot's business ({@link HeadPairing}).
   */
  @Override
  public TowerModel load(Path modelDir, Arena arena) throws IOException {
    TowerModel model = TowerModel.load(modelDir, arena, HugePages::allocate);
    Tower user = model.user(), item = model.item();
    for (int u = 0; u < user.heads(); u++) {
      for (int i = 0; i < item.heads(); i++) {
        if (user.headDim(u) == item.headDim(i)) {
          return model;
        }
      }
    }
    model.close();
    throw new IOException(modelDir + ": user tower gives " + dims(user) + " vectors, item tower " + dims(item)
        + ": they cannot be compared");
  }

  private static String dims(Tower t) {
    return t.heads() == 1 ? t.headDim(0) + "-d" : t.describeHeads();
  }

  /** The first item head's dimension: that of the snapshot's first index. */
  @Override
  public int dimension(TowerModel model) {
    return model.item().headDim(0);
  }
}

package dev.quiver.cli;

import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** User feature rows run through a model's user tower: the queries a service will send, as vectors. */
final class UserSample {
  private UserSample() {}

  /** One vector per user row and head (a row's heads are consecutive), from the model in {@code model}. */
  static float[][] vectors(Path userFeatures, Path model) throws IOException {
    try (TowerModel m = TowerModel.load(model)) {
      Tower user = m.user();
      List<FeatureRow> rows = FeatureRows.readJsonl(userFeatures, user);
      float[] out = new float[rows.size() * user.heads() * user.dim()];
      user.embedBatch(rows.toArray(new FeatureRow[0]), rows.size(), out);
      float[][] vectors = new float[rows.size() * user.heads()][];
      for (int i = 0; i < vectors.length; i++) {
        vectors[i] = Arrays.copyOfRange(out, i * user.dim(), (i + 1) * user.dim());
      }
      return vectors;
    }
  }
}

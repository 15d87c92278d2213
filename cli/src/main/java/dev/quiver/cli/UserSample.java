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

  /**
   * One vector per user row and head (a row's heads are consecutive), from the model in
   * {@code model}; its user heads must share one dimension, since one sample serves every item
   * head's build.
   */
  static float[][] vectors(Path userFeatures, Path model) throws IOException {
    try (TowerModel m = TowerModel.load(model)) {
      Tower user = m.user();
      if (user.width() != user.heads() * user.headDim(0)) {
        throw new IllegalArgumentException("--user-features: " + model + "'s user heads " + user.describeHeads()
            + " differ in dimension; one query sample feeds every item head's build");
      }
      List<FeatureRow> rows = FeatureRows.readJsonl(userFeatures, user);
      int dim = user.headDim(0);
      float[] out = new float[rows.size() * user.width()];
      user.embedBatch(rows.toArray(new FeatureRow[0]), rows.size(), out);
      float[][] vectors = new float[rows.size() * user.heads()][];
      for (int i = 0; i < vectors.length; i++) {
        vectors[i] = Arrays.copyOfRange(out, i * dim, (i + 1) * dim);
      }
      return vectors;
    }
  }
}

package dev.quiver.spark;

import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The user tower's vectors of a sample of user rows (every head of the dimension of the index
 * being built), computed on the driver: the query sample of query-aware HNSW shards, shipped to
 * each shard's task with its spec.
 */
final class QuerySample {
  private QuerySample() {}

  /** The vectors of every user head of {@code dim} floats, row by row. */
  static float[][] vectors(Path model, Path userFeatures, int dim) throws IOException {
    try (TowerModel m = TowerModel.load(model)) {
      Tower user = m.user();
      List<FeatureRow> rows = FeatureRows.readJsonl(userFeatures, user);
      float[] out = new float[rows.size() * user.width()];
      user.embedBatch(rows.toArray(new FeatureRow[0]), rows.size(), out);
      List<float[]> vectors = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        for (int h = 0; h < user.heads(); h++) {
          int from = i * user.width() + user.headOffset(h);
          if (user.headDim(h) == dim) {
            vectors.add(Arrays.copyOfRange(out, from, from + dim));
          }
        }
      }
      return vectors.toArray(float[][]::new);
    }
  }
}

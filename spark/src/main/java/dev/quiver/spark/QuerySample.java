package dev.quiver.spark;

import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The user tower's vectors (every head) of a sample of user rows, computed on the driver: the
 * query sample of query-aware HNSW shards, shipped to each shard's task with its spec.
 */
final class QuerySample {
  private QuerySample() {}

  static float[][] vectors(Path model, Path userFeatures) throws IOException {
    try (TowerModel m = TowerModel.load(model)) {
      Tower user = m.user();
      List<FeatureRow> rows = FeatureRows.readJsonl(userFeatures, user);
      if (user.width() != user.heads() * user.headDim(0)) {
        throw new IllegalArgumentException(userFeatures + ": " + model + "'s user heads " + user.describeHeads()
            + " differ in dimension; one query sample feeds every shard's build");
      }
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

package dev.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The query sample of an item head's shards is the user vectors of its own size: with user heads
 * of 16 and 8 floats, the 16-d index learns from the 16-d head's vectors and the 8-d one from the
 * 8-d head's, row by row.
 */
class QuerySampleTest {
  private static final Path TEAM = Path.of("..", "tower-runtime", "src", "test", "resources", "tower", "team",
      "mixed_dims");

  @Test
  void eachDimensionGetsTheUserHeadsOfItsSize() throws IOException {
    Path users = TEAM.resolve("user.jsonl");
    try (TowerModel m = TowerModel.load(TEAM)) {
      Tower user = m.user();
      List<FeatureRow> rows = FeatureRows.readJsonl(users, user);
      float[] out = new float[user.width()];
      for (int h = 0; h < user.heads(); h++) {
        int dim = user.headDim(h);
        float[][] sample = QuerySample.vectors(TEAM, users, dim);
        assertEquals(rows.size(), sample.length, "one vector per row of the " + dim + "-d head");
        for (int r = 0; r < rows.size(); r++) {
          user.embed(rows.get(r), out);
          assertArrayEquals(Arrays.copyOfRange(out, user.headOffset(h), user.headOffset(h) + dim), sample[r],
              "row " + r + " of the " + dim + "-d head");
        }
      }
    }
  }
}

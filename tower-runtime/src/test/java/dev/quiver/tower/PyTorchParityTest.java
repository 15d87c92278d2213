package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each tower of each fixture model reproduces PyTorch's outputs on its requests, which include
 * multi-valued, missing and out-of-vocabulary values; the variants cover batch-norm, SENet,
 * several heads and activations, and F16/BF16 weights. The {@code team/} variants are seven
 * structures written as a team's own PyTorch modules (tower-runtime/src/test/python/team_models.py)
 * and exported with from-state-dict: they add PyTorch's bucketize on boundaries, EmbeddingBag's
 * max and sqrtn pooling, layer norm, GELU, PReLU, ELU, hardswish, numeric transforms, learned
 * temperatures, a DNN shared by both towers, item multi-head, heads of different dimensions
 * (16-d and 8-d) and float64 weights.
 */
class PyTorchParityTest {
  /** Relative error allowed per output vector: |quiver - torch| / |torch|. */
  private static final double TOLERANCE = 1e-5;

  @ParameterizedTest
  @CsvSource({"basic,user", "basic,item", "rich,user", "rich,item", "half,user", "half,item",
      "bf16,user", "bf16,item",
      "team/dssm,user", "team/dssm,item", "team/share_bottom,user", "team/share_bottom,item",
      "team/shared_dnn,user", "team/shared_dnn,item", "team/user_multi_head,user",
      "team/user_multi_head,item", "team/item_multi_head,user", "team/item_multi_head,item",
      "team/senet,user", "team/senet,item", "team/mixed_dims,user", "team/mixed_dims,item"})
  void batchesMatchPyTorch(String variant, String towerName) throws IOException {
    try (TowerModel model = TowerModel.load(Fixtures.dir(variant))) {
      Tower tower = model.tower(towerName);
      List<FeatureRow> rows = FeatureRows.readJsonl(Fixtures.dir(variant).resolve(towerName + ".jsonl"), tower);
      int n = rows.size();
      float[] want = Fixtures.expected(variant, tower, n);
      float[] got = new float[n * tower.width()];
      tower.embedBatch(rows.toArray(FeatureRow[]::new), n, got);
      for (int r = 0; r < n; r++) {
        for (int h = 0; h < tower.heads(); h++) {
          double err = relativeError(got, want, r * tower.width() + tower.headOffset(h), tower.headDim(h));
          assertTrue(err <= TOLERANCE, variant + "/" + towerName + " row " + r + " head "
              + tower.headNames().get(h) + ": relative error " + err);
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"basic,user", "rich,user", "rich,item", "team/share_bottom,user", "team/shared_dnn,user",
      "team/mixed_dims,item"})
  void oneRequestAtATimeGivesTheBatchResult(String variant, String towerName) throws IOException {
    try (TowerModel model = TowerModel.load(Fixtures.dir(variant))) {
      Tower tower = model.tower(towerName);
      List<FeatureRow> rows = FeatureRows.readJsonl(Fixtures.dir(variant).resolve(towerName + ".jsonl"), tower);
      int width = tower.width();
      float[] batch = new float[rows.size() * width];
      tower.embedBatch(rows.toArray(FeatureRow[]::new), rows.size(), batch);
      float[] one = new float[width];
      for (int r = 0; r < rows.size(); r++) {
        tower.embed(rows.get(r), one);
        assertArrayEquals(java.util.Arrays.copyOfRange(batch, r * width, (r + 1) * width), one, 1e-6f,
            "row " + r);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"basic,user,default", "rich,user,click like follow", "team/share_bottom,item,click like",
      "team/user_multi_head,user,click like follow", "team/user_multi_head,item,default",
      "team/item_multi_head,item,click buy", "team/mixed_dims,user,click like"})
  void headsAreNamedAsExported(String variant, String tower, String names) throws IOException {
    try (TowerModel model = TowerModel.load(Fixtures.dir(variant))) {
      assertEquals(List.of(names.split(" ")), model.tower(tower).headNames());
      assertEquals(ModelFingerprint.of(Fixtures.dir(variant)), model.fingerprint());
    }
  }

  private static double relativeError(float[] got, float[] want, int from, int dim) {
    double diff = 0, norm = 0;
    for (int i = from; i < from + dim; i++) {
      diff += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
      norm += (double) want[i] * want[i];
    }
    return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
  }
}

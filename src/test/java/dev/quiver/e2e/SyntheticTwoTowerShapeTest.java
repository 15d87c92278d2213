package dev.quiver.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.engine.Recall;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated two-tower model the demo and the recall benchmark serve must give vectors shaped
 * like a trained model's, or their figures say nothing: an HNSW graph reaches recall 0.99 on
 * item-like queries (held-out catalog items), and user vectors sit farther from the items than
 * held-out items do.
 */
class SyntheticTwoTowerShapeTest {
  private static final long SEED = 3;
  private static final int ITEMS = 20_000;
  private static final int QUERIES = 200;
  private static final int K = 10;

  @TempDir static Path dir;
  private static VectorStore base;
  private static float[][] itemQueries;
  private static float[][] userQueries;

  @BeforeAll
  static void embed() throws IOException {
    Path model = dir.resolve("model");
    SyntheticTwoTower.write(model, SEED, 0, 0);
    try (TowerModel m = TowerModel.load(model)) {
      // The catalog's first ITEMS items are indexed; the items past them, drawn like the base
      // but never in it, are the item-like queries.
      VectorStore catalog = ItemEmbedder.embed(m.item(), CpuTowerBackend.INSTANCE, ITEMS + QUERIES,
          (i, row) -> SyntheticTwoTower.item(SEED, i, row), done -> { });
      base = VectorStore.view(catalog.segment(), catalog.dimension(), ITEMS);
      itemQueries = new float[QUERIES][];
      for (int q = 0; q < QUERIES; q++) {
        itemQueries[q] = catalog.get(ITEMS + q);
      }
      userQueries = new float[QUERIES][];
      FeatureRow row = m.user().newRow();
      float[] heads = new float[m.user().heads() * m.user().dim()];
      for (int u = 0; u < QUERIES; u++) {
        SyntheticTwoTower.user(SEED, u, row);
        m.user().embed(row, heads);
        userQueries[u] = java.util.Arrays.copyOf(heads, m.user().dim()); // the click head
      }
    }
  }

  @Test
  void hnswReachesRecall99OnItemLikeQueries() throws IOException {
    int[][] exact = search("flat", Params.DEFAULT, Params.DEFAULT, itemQueries);
    int[][] graph = search("hnsw", Params.parse("M=16,efConstruction=200"), Params.parse("efSearch=128"), itemQueries);
    double recall = Recall.atK(exact, graph, K);
    assertTrue(recall >= 0.99, "HNSW recall@10 on held-out items: " + recall);
  }

  @Test
  void usersSitFartherFromTheItemsThanHeldOutItems() throws IOException {
    double items = meanTopScore(itemQueries);
    double users = meanTopScore(userQueries);
    assertTrue(items > 0.95, "held-out items have a close item: " + items);
    assertTrue(users < items - 0.05, "users off the item manifold: nearest item " + users + " vs items " + items);
  }

  private static int[][] search(String kind, Params build, Params search, float[][] queries) throws IOException {
    try (VectorIndex index = IndexFormats.forKind(kind).build(base, null, Metric.INNER_PRODUCT, build, 2)) {
      int[][] ids = new int[queries.length][];
      SearchResults out = new SearchResults(K);
      for (int q = 0; q < queries.length; q++) {
        index.search(queries[q], K, null, search, out);
        ids[q] = new int[out.count()];
        for (int i = 0; i < out.count(); i++) {
          ids[q][i] = (int) out.id(i);
        }
      }
      return ids;
    }
  }

  private static double meanTopScore(float[][] queries) throws IOException {
    try (VectorIndex index = IndexFormats.forKind("flat").build(base, null, Metric.INNER_PRODUCT, Params.DEFAULT, 1)) {
      SearchResults out = new SearchResults(1);
      double sum = 0;
      for (float[] q : queries) {
        index.search(q, 1, null, Params.DEFAULT, out);
        sum += out.score(0);
      }
      return sum / queries.length;
    }
  }
}

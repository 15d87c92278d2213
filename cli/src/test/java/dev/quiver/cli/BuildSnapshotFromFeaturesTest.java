package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build-snapshot from item feature rows: the item tower's vectors, indexed with the model beside them. */
class BuildSnapshotFromFeaturesTest {
  private static final int N = 600;
  @TempDir Path dir;

  /** Item rows as JSON lines, and the same items as the generator makes them. */
  private Path itemRows() throws IOException {
    List<String> lines = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < N; i++) {
      lines.add(String.format(java.util.Locale.ROOT, "{\"category\": \"c%d\", \"item_id\": %d, \"price\": %.2f}",
          rnd.nextInt(SyntheticTwoTower.CATEGORIES), SyntheticTwoTower.FIRST_ITEM_ID + i, 1 + 99 * rnd.nextDouble()));
    }
    return Files.write(dir.resolve("items.jsonl"), lines);
  }

  @Test
  void itemFeaturesRunThroughTheItemTowerIntoTheIndex() throws IOException {
    Path model = dir.resolve("model");
    SyntheticTwoTower.write(model, 2, 0, 2);
    Path items = itemRows();
    Path users = Files.write(dir.resolve("users.jsonl"), List.of(
        "{\"user_id\": 7, \"interests\": [\"c1\", \"c2\"], \"age\": 30, \"country\": \"fr\"}",
        "{\"user_id\": \"u-8\", \"interests\": [\"c9\"]}"));
    Path root = dir.resolve("root");
    Cli r = Cli.run("build-snapshot", "--item-features", items.toString(), "--user-features", users.toString(),
        "--model", model.toString(), "--index", "hnsw", "--build", "M=12,efConstruction=80", "--root",
        root.toString(), "--no-progress");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(N + " items x " + SyntheticTwoTower.DIM + ", hnsw index"), r::toString);

    Snapshot<TowerModel> s = TowerModelLoader.snapshots(1).load(root.resolve("v-1"));
    // The manifest names the sample's source, not the temporary vectors file the build read.
    assertEquals(Map.of("M", "12", "efConstruction", "80", "userFeatures", "users.jsonl"),
        s.manifest().index().params());
    // The snapshot indexed the item tower's vectors of these rows: each item's own vector finds it.
    try (TowerModel m = TowerModel.load(model);
         FeatureRows rows = FeatureRows.open(items, m.item())) {
      FeatureRow row = m.item().newRow();
      float[] v = new float[SyntheticTwoTower.DIM];
      SearchResults got = new SearchResults(1);
      for (int i = 0; i < 50 && rows.next(row); i++) {
        m.item().embed(row, v);
        s.search(v, 1, null, Params.parse("efSearch=64"), got);
        assertEquals(i, got.id(0), "item " + i);
        assertEquals(1f, got.score(0), 1e-5f, "unit vectors: an item's score with itself");
      }
    } finally {
      s.retire();
    }
  }

  @Test
  void aQuerySampleCannotShapeAnIndexAlreadyBuilt() throws IOException {
    Path users = Files.write(dir.resolve("users-only.jsonl"), List.of("{\"user_id\": 7}"));
    Cli r = Cli.run("build-snapshot", "--items", dir.resolve("none.fvecs").toString(), "--user-features",
        users.toString(), "--index-file", dir.resolve("index.bin").toString(), "--model", dir.toString(),
        "--root", dir.resolve("root-linked").toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("--index-file " + dir.resolve("index.bin") + " is already built"), r::toString);
  }

  @Test
  void exactlyOneItemSourceIsRequired() {
    Cli r = Cli.run("build-snapshot", "--model", dir.toString(), "--root", dir.resolve("root").toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("exactly one of --items"), r::toString);
  }
}

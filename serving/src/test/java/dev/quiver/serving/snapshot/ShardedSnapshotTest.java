package dev.quiver.serving.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.ShardedIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot of several index files of one kind loads as one index and answers as the unsharded one. */
class ShardedSnapshotTest {
  @TempDir Path work;

  @Test
  void threeShardsPublishLoadAndAnswerAsOneIndex() throws IOException {
    Items items = Items.random(4);
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 1);
    Path root = work.resolve("root");
    Manifest m = new SnapshotWriter(root, 2).publish(SnapshotSource.ofShards(model,
        shardFiles(items, new int[] {0, 700, 1300, SnapshotFixtures.N}), Params.parse("x=1")).withIds(items.ids()));
    assertEquals(3, m.shards());
    assertEquals(Params.parse("x=1,shards=3").asMap(), m.index().params());
    assertEquals(SnapshotFixtures.N, m.itemCount());
    assertEquals(List.of("index-0.qvi", "index-1.qvi", "index-2.qvi"), m.indexFiles());
    for (String f : m.indexFiles()) {
      assertTrue(m.file(f) != null, f);
    }
    float[][] queries = SnapshotFixtures.queries(9, 30);
    try (var snapshot = new Closing(SnapshotFixtures.loader().load(root.resolve("v-1")))) {
      assertTrue(snapshot.s.index() instanceof ShardedIndex);
      StringBuilder sb = new StringBuilder();
      SearchResults r = new SearchResults(SnapshotFixtures.K);
      for (float[] q : queries) {
        snapshot.s.search(q, SnapshotFixtures.K, null, Params.DEFAULT, r);
        sb.append(Arrays.toString(r.ids())).append(Arrays.toString(r.scores())).append('\n');
      }
      assertEquals(items.expected(queries), sb.toString());
    }
  }

  @Test
  void aMissingShardIsRefusedByName() throws IOException {
    Items items = Items.random(5);
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 1);
    Path root = work.resolve("root");
    new SnapshotWriter(root, 2).publish(SnapshotSource.ofShards(model,
        shardFiles(items, new int[] {0, 1000, SnapshotFixtures.N}), Params.DEFAULT));
    Path shard = root.resolve("v-1").resolve("index-1.qvi");
    Files.delete(shard);
    var e = assertThrows(IOException.class, () -> SnapshotFixtures.loader().load(root.resolve("v-1")));
    assertTrue(e.getMessage().contains(shard.toString()), e.getMessage());
  }

  private List<Path> shardFiles(Items items, int[] cuts) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int s = 0; s + 1 < cuts.length; s++) {
      Items part = new Items(Arrays.copyOfRange(items.vectors(), cuts[s], cuts[s + 1]), null);
      Path file = work.resolve("shard-" + s + ".qvi");
      try (VectorStore store = part.store(); FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
        index.write(file);
      }
      files.add(file);
    }
    return files;
  }

  /** Retires the snapshot at the end of a test. */
  private record Closing(Snapshot<FakeModel> s) implements AutoCloseable {
    @Override
    public void close() {
      s.retire();
    }
  }
}

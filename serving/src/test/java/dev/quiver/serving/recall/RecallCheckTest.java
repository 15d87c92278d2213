package dev.quiver.serving.recall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.IdMap;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The recall check measures every (user head, item index) pair a snapshot serves: a snapshot of
 * the 16-d/8-d two-objective fixture whose 8-d index answers with its worst items is refused for
 * that pair alone, though the 16-d pair is exact.
 */
class RecallCheckTest {
  private static final Path MODEL = Path.of("..", "tower-runtime", "src", "test", "resources", "tower", "team",
      "mixed_dims");
  private static final int ITEMS = 300;

  private TowerModel model;
  private final List<VectorIndex> indexes = new ArrayList<>();
  private Snapshot<TowerModel> snapshot;

  @BeforeEach
  void snapshotWhoseLikeIndexIsWrong() throws IOException {
    model = TowerModel.load(MODEL);
    List<FeatureRow> base = FeatureRows.readJsonl(MODEL.resolve("item.jsonl"), model.item());
    List<VectorStore> heads = ItemEmbedder.embedHeads(model.item(), CpuTowerBackend.INSTANCE, ITEMS,
        (i, row) -> base.get(i % base.size()).copyTo(row).setId("item_id", i), n -> { });
    try {
      indexes.add(FlatIndex.build(heads.get(0), null, Metric.INNER_PRODUCT));
      indexes.add(new Worst(FlatIndex.build(heads.get(1), null, Metric.INNER_PRODUCT)));
    } finally {
      heads.forEach(VectorStore::close);
    }
    Manifest manifest = new Manifest(Manifest.FORMAT, 1, Instant.now().toString(), "0".repeat(64),
        new Manifest.IndexInfo("flat", Map.of(), "ip", 16), ITEMS, List.of());
    snapshot = Snapshot.assemble(manifest, null, model, indexes, IdMap.identity(ITEMS), Arena.ofShared(),
        Runnable::run);
  }

  @AfterEach
  void retire() {
    snapshot.retire();
  }

  @Test
  void everyPairIsMeasuredAndReported() throws IOException {
    RecallCheck check = RecallCheck.generated(20, 10, Params.DEFAULT, 0);
    check.check(snapshot);
    RecallCheck.Measured m = check.lastRecall();
    assertEquals(List.of("click", "like"), m.heads().stream().map(RecallCheck.HeadRecall::userHead).toList());
    assertEquals(List.of("click", "like"), m.heads().stream().map(RecallCheck.HeadRecall::itemHead).toList());
    assertEquals(1.0, m.heads().get(0).recall(), 1e-9, "the exact index");
    assertTrue(m.heads().get(1).recall() < 0.2, m::toString);
    assertTrue(m.recall() > m.heads().get(1).recall() && m.recall() < 1, m::toString);
    assertTrue(m.toString().matches("recall@10 0\\.\\d{4} over 20 generated users \\(click 1\\.0000, like 0\\.\\d{4}\\)"),
        m::toString);
  }

  @Test
  void aPairBelowTheMinimumRefusesTheSnapshotByName() {
    RecallCheck check = RecallCheck.generated(20, 10, Params.DEFAULT, 0.2);
    IOException e = assertThrows(IOException.class, () -> check.check(snapshot));
    double merged = check.lastRecall().recall();
    assertTrue(merged >= 0.2, "the merged recall alone would pass: " + merged);
    assertTrue(e.getMessage().startsWith("recall@10 of user head 'like' in item head 'like''s index 0."),
        e::getMessage);
    assertTrue(e.getMessage().contains("is below the minimum 0.2"), e::getMessage);
  }

  /** A flat index that answers with the k items of lowest score: what a broken index might serve. */
  private record Worst(FlatIndex flat) implements VectorIndex {
    @Override
    public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
      float[] negated = new float[query.length];
      for (int i = 0; i < query.length; i++) {
        negated[i] = -query[i];
      }
      flat.search(negated, k, filter, params, out);
    }

    @Override
    public void searchBatch(float[][] queries, int k, OrdinalFilter[] filters, Params params, SearchResults[] out,
                            int threads) {
      for (int i = 0; i < queries.length; i++) {
        search(queries[i], k, filters == null ? null : filters[i], params, out[i]);
      }
    }

    @Override
    public String kind() {
      return flat.kind();
    }

    @Override
    public Metric metric() {
      return flat.metric();
    }

    @Override
    public int dimension() {
      return flat.dimension();
    }

    @Override
    public int size() {
      return flat.size();
    }

    @Override
    public long byteSize() {
      return flat.byteSize();
    }

    @Override
    public long id(int ordinal) {
      return flat.id(ordinal);
    }

    @Override
    public int ordinal(long id) {
      return flat.ordinal(id);
    }

    @Override
    public void vector(int ordinal, float[] out) {
      flat.vector(ordinal, out);
    }

    @Override
    public SearchParams searchParams(Params params) {
      return flat.searchParams(params);
    }

    @Override
    public Searcher newSearcher() {
      throw new UnsupportedOperationException("the recall check searches through search()");
    }

    @Override
    public void write(Path path) {
      throw new UnsupportedOperationException("in memory only");
    }

    @Override
    public void close() {
      flat.close();
    }
  }
}

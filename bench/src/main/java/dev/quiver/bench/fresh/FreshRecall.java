package dev.quiver.bench.fresh;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.ExactRecall;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.SnapshotLayout;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.agrona.collections.LongHashSet;

/**
 * Recall of fresh items against exact search over main and delta: the served snapshot's main
 * vectors (as its index holds them) less the items taken down, plus every live fresh item
 * embedded by the served model's item tower; of the fresh items in each user's exact top k, the
 * share the service returned.
 */
final class FreshRecall {
  private FreshRecall() {}

  /** Fresh-item recall@k over {@code users} users, and the snapshot version it was measured on. */
  static double[] measure(SnapshotManager<TowerModel> snapshots, RecallService service, Map<Long, Integer> fresh,
                          Set<Long> removed, long seed, int users, int k, RecallRequest request) throws IOException {
    long[] freshIds = fresh.keySet().stream().mapToLong(Long::longValue).toArray();
    int[] freshRows = fresh.values().stream().mapToInt(Integer::intValue).toArray();
    try (Lease<TowerModel> lease = snapshots.acquire()) {
      long[] all = new long[lease.index().size() + freshIds.length];
      VectorStore vectors = liveVectors(lease, removed, freshIds, freshRows, seed, all);
      long[] ids = java.util.Arrays.copyOf(all, vectors.size());
      Path model = lease.snapshot().directory().resolve(SnapshotLayout.MODEL);
      LongHashSet isFresh = new LongHashSet();
      for (long id : freshIds) {
        isFresh.add(id);
      }
      try (vectors; ExactRecall exact = new ExactRecall(model, vectors, ids)) {
        var user = service.newUserRow();
        RecallResults out = new RecallResults(k);
        long want = 0;
        long hit = 0;
        for (int u = 0; u < users; u++) {
          SyntheticTwoTower.user(seed, 9_000_000_000L + u, user);
          RecallResults truth = exact.answer(user, request);
          service.recall(user, request, out);
          LongHashSet served = new LongHashSet();
          for (int i = 0; i < out.count(); i++) {
            served.add(out.id(i));
          }
          for (int i = 0; i < truth.count(); i++) {
            if (isFresh.contains(truth.id(i))) {
              want++;
              hit += served.contains(truth.id(i)) ? 1 : 0;
            }
          }
        }
        return new double[] {want == 0 ? Double.NaN : hit / (double) want, lease.version(), want};
      }
    }
  }

  /** Main items not taken down, then the live fresh items embedded by the served item tower, with their ids. */
  private static VectorStore liveVectors(Lease<TowerModel> lease, Set<Long> removed, long[] freshIds,
                                         int[] freshRows, long seed, long[] idsOut) throws IOException {
    VectorIndex index = lease.index();
    IdMap mainIds = lease.snapshot().ids();
    VectorStore store = VectorStore.allocate(index.dimension(), index.size() + freshRows.length);
    float[] v = new float[index.dimension()];
    int n = 0;
    for (int o = 0; o < index.size(); o++) {
      long id = mainIds.id(o);
      if (!removed.contains(id)) {
        index.vector(o, v);
        store.add(v);
        idsOut[n++] = id;
      }
    }
    if (freshRows.length > 0) {
      try (VectorStore embedded = ItemEmbedder.embed(lease.model().item(), CpuTowerBackend.INSTANCE,
          freshRows.length, (i, row) -> SyntheticTwoTower.item(seed, freshRows[i], row), done -> { })) {
        for (int i = 0; i < freshRows.length; i++) {
          embedded.get(i, v);
          store.add(v);
          idsOut[n++] = freshIds[i];
        }
      }
    }
    return store;
  }
}

package dev.quiver.cli;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact search over a snapshot's item vectors: a flat index per item head over the vectors its
 * index holds (for a quantised index, its reconstructions), with the index's metric, so that
 * the served index's loss against exact search is measured on the same vectors.
 */
final class ExactHeads implements AutoCloseable {
  private final List<VectorStore> stores = new ArrayList<>();
  private final List<VectorIndex> flat = new ArrayList<>();
  private final IdMap ids;

  ExactHeads(Snapshot<?> snapshot, int threads) {
    ids = snapshot.ids();
    try {
      for (int h = 0; h < snapshot.itemHeads(); h++) {
        VectorIndex index = snapshot.index(h);
        VectorStore store = VectorStore.allocate(index.dimension(), index.size());
        stores.add(store);
        float[] v = new float[index.dimension()];
        for (int i = 0; i < index.size(); i++) {
          index.vector(i, v);
          store.add(v);
        }
        flat.add(IndexFormats.forKind("flat").build(store, null, index.metric(), Params.DEFAULT, threads));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The best {@code k} items of item head {@code head} for {@code query}, by item id. */
  void search(int head, float[] query, int k, SearchResults out) {
    flat.get(head).search(query, k, null, Params.DEFAULT, out);
    for (int i = 0; i < out.count(); i++) {
      out.replaceId(i, ids.id((int) out.id(i)));
    }
  }

  @Override
  public void close() {
    flat.forEach(VectorIndex::close);
    stores.forEach(VectorStore::close);
  }
}

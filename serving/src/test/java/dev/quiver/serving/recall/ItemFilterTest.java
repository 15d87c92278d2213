package dev.quiver.serving.recall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ItemFilterTest {
  private FlatIndex index;

  @Test
  void filteredItemsNeverComeBackAndKStillDoes() {
    Random rnd = new Random(5);
    int n = 2000;
    int dim = 16;
    long[] ids = new long[n];
    float[] q = new float[dim];
    try (VectorStore store = VectorStore.allocate(dim, n)) {
      for (int i = 0; i < n; i++) {
        ids[i] = 1000 + 3L * i;
        float[] row = new float[dim];
        for (int d = 0; d < dim; d++) {
          row[d] = (float) rnd.nextGaussian();
        }
        store.add(row);
      }
      store.get(17, q);
      index = FlatIndex.build(store, ids, Metric.INNER_PRODUCT);
    }
    try (FlatIndex built = index) {
      SearchResults plain = index.search(q, 50);
      BloomFilter shown = BloomFilter.create(100, 0.001);
      for (int i = 0; i < 20; i++) {
        shown.put(plain.id(i));
      }
      BlockList blocked = BlockList.of(plain.id(20), plain.id(21));
      ItemFilter filter = new ItemFilter();
      OrdinalFilter bound = filter.bind(built, shown, blocked, id -> id % 2 == 0);
      SearchResults out = new SearchResults(10);
      index.search(q, 10, bound, Params.DEFAULT, out);
      assertEquals(10, out.count());
      for (int i = 0; i < out.count(); i++) {
        long id = out.id(i);
        assertTrue(!shown.mightContain(id) && !blocked.blocks(id) && id % 2 == 0, "id " + id);
      }
      assertNull(filter.bind(built, null, null, null), "no filter means no per-candidate check");
    }
  }
}

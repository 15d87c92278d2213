package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorStoreTest {

  @Test
  void growsKeepsRowsAndStaysAligned() {
    Random rnd = new Random(9);
    float[][] rows = Fixtures.randomVectors(rnd, 1000, 7);
    try (VectorStore store = VectorStore.allocate(7, 3)) {
      for (float[] r : rows) {
        store.add(r);
      }
      assertEquals(1000, store.size());
      assertEquals(0, store.segment().address() % VectorStore.ALIGNMENT);
      assertEquals(1000L * 7 * 4, store.byteSize());
      for (int i = 0; i < rows.length; i++) {
        assertArrayEquals(rows[i], store.get(i));
      }
    }
  }

  @Test
  void rejectsBadVectorsNamingThem() {
    try (VectorStore store = VectorStore.allocate(3, 1)) {
      var e = assertThrows(IllegalArgumentException.class, () -> store.add(new float[] {1, 2}));
      assertTrue(e.getMessage().contains("dimension 2, expected 3"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.add(new float[] {1, Float.POSITIVE_INFINITY, 2}));
      assertTrue(e.getMessage().contains("index 1: Infinity"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.get(0));
      assertTrue(e.getMessage().contains("ordinal 0 out of range [0, 0)"), e.getMessage());
    }
    var e = assertThrows(IllegalArgumentException.class, () -> VectorStore.allocate(0, 1));
    assertTrue(e.getMessage().contains("dimension must be positive, got 0"), e.getMessage());
  }

  @Test
  void viewSharesMemoryAndIsReadOnly() {
    try (VectorStore store = Fixtures.store(Fixtures.randomVectors(new Random(1), 4, 2))) {
      VectorStore view = VectorStore.view(store.segment(), 2, 4);
      assertArrayEquals(store.get(3), view.get(3));
      assertThrows(UnsupportedOperationException.class, () -> view.add(new float[2]));
      view.close();
      assertArrayEquals(store.get(3), view.get(3), "closing a view frees nothing");
      var e = assertThrows(IllegalArgumentException.class, () -> VectorStore.view(store.segment(), 2, 5));
      assertTrue(e.getMessage().contains("cannot hold 5 rows"), e.getMessage());
    }
  }

  @Test
  void readAfterCloseThrowsInsteadOfCrashing() {
    VectorStore store = Fixtures.store(Fixtures.randomVectors(new Random(1), 4, 2));
    store.close();
    assertThrows(IllegalStateException.class, () -> store.get(1));
    store.close();
  }
}

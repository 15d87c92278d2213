package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorStoreAppendRowsTest {

  /** {@code rows x dimension} random floats written at byte {@code offset} in {@code order}. */
  private static float[][] fill(MemorySegment s, long offset, int rows, int dimension, ByteOrder order, Random random) {
    ValueLayout.OfFloat layout = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
    float[][] values = new float[rows][dimension];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < dimension; c++) {
        values[r][c] = (float) random.nextGaussian();
        s.set(layout, offset + ((long) r * dimension + c) * Float.BYTES, values[r][c]);
      }
    }
    return values;
  }

  @Test
  void appendsInEitherByteOrderAndGrows() {
    Random random = new Random(7);
    try (Arena arena = Arena.ofConfined(); VectorStore store = VectorStore.allocate(5, 2)) {
      store.add(new float[] {1, 2, 3, 4, 5});
      int expectedSize = 1;
      for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
        MemorySegment src = arena.allocate(3 + 40L * 5 * Float.BYTES);
        float[][] values = fill(src, 3, 40, 5, order, random); // odd offset: unaligned source
        store.appendRows(src, 3, 40, order);
        for (int r = 0; r < 40; r++) {
          assertArrayEquals(values[r], store.get(expectedSize + r));
        }
        expectedSize += 40;
        assertEquals(expectedSize, store.size());
      }
      assertArrayEquals(new float[] {1, 2, 3, 4, 5}, store.get(0));
    }
  }

  @Test
  void nonFiniteComponentIsNamedAndNothingIsAppended() {
    Random random = new Random(8);
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    for (float value : bad) {
      try (Arena arena = Arena.ofConfined(); VectorStore store = VectorStore.allocate(3, 4)) {
        store.add(new float[] {1, 2, 3});
        MemorySegment src = arena.allocate(10L * 3 * Float.BYTES);
        fill(src, 0, 10, 3, ByteOrder.nativeOrder(), random);
        src.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 6 * 3 + 2, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> store.appendRows(src, 0, 10, ByteOrder.nativeOrder()));
        // Row 6 of the block becomes ordinal 7 of a store that already held one row.
        assertTrue(e.getMessage().contains("row 7 has a non-finite component at index 2: " + value), e.getMessage());
        assertEquals(1, store.size());
      }
    }
  }

  @Test
  void extremeFiniteValuesPass() {
    float[] extremes = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -0.0f,
        0f, Math.nextDown(Float.POSITIVE_INFINITY), 1e-40f};
    try (Arena arena = Arena.ofConfined(); VectorStore store = VectorStore.allocate(extremes.length, 1)) {
      MemorySegment src = arena.allocate((long) extremes.length * Float.BYTES);
      MemorySegment.copy(extremes, 0, src, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, extremes.length);
      store.appendRows(src, 0, 1, ByteOrder.nativeOrder());
      assertArrayEquals(extremes, store.get(0));
    }
  }

  @Test
  void viewsAndNegativeCountsAreRejected() {
    try (Arena arena = Arena.ofConfined(); VectorStore store = VectorStore.allocate(2, 1)) {
      MemorySegment src = arena.allocate(64);
      VectorStore view = VectorStore.view(src, 2, 4);
      assertThrows(UnsupportedOperationException.class, () -> view.appendRows(src, 0, 1, ByteOrder.nativeOrder()));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> store.appendRows(src, 0, -1, ByteOrder.nativeOrder()));
      assertTrue(e.getMessage().contains("-1"));
    }
  }
}

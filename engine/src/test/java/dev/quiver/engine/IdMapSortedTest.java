package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The binary-searched id table answers as the hash map does, for present and absent ids. */
class IdMapSortedTest {

  @Test
  void sortedTableAgreesWithTheHashMap() {
    Random rnd = new Random(12);
    for (int n : new int[] {0, 1, 2, 3, 17, 1000}) {
      long[] ids = Fixtures.distinctIds(rnd, n);
      if (n >= 3) {
        ids[0] = Long.MIN_VALUE;
        ids[1] = Long.MAX_VALUE;
        ids[2] = 0;
      }
      IdMap hashed = IdMap.of(MemorySegment.ofArray(ids), n);
      IdMap sorted = IdMap.sorted(MemorySegment.ofArray(ids), MemorySegment.ofArray(IdMap.sortedOrdinals(ids)), n);
      Set<Long> present = new HashSet<>();
      for (int i = 0; i < n; i++) {
        present.add(ids[i]);
        assertEquals(i, sorted.ordinal(ids[i]));
        assertEquals(ids[i], sorted.id(i));
      }
      for (int t = 0; t < 200; t++) {
        long probe = t < 100 && n > 0 ? ids[rnd.nextInt(n)] + (rnd.nextBoolean() ? 1 : -1) : rnd.nextLong();
        int expected = present.contains(probe) ? hashed.ordinal(probe) : -1;
        assertEquals(expected, sorted.ordinal(probe), "id " + probe);
      }
    }
  }

  @Test
  void duplicatesAreNamed() {
    var e = assertThrows(IllegalArgumentException.class, () -> IdMap.sortedOrdinals(new long[] {5, -2, 9, -2}));
    assertTrue(e.getMessage().contains("duplicate item id -2"), e.getMessage());
  }
}

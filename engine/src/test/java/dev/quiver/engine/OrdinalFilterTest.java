package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrdinalFilterTest {
  private static List<Integer> enumerate(OrdinalFilter f, int end) {
    List<Integer> out = new ArrayList<>();
    for (int i = f.nextAllowed(0, end); i < end; i = f.nextAllowed(i + 1, end)) {
      out.add(i);
    }
    return out;
  }

  @Test
  void everyFilterEnumeratesExactlyWhatItAccepts() {
    BitSet bits = new BitSet();
    bits.set(3);
    bits.set(64);
    bits.set(65);
    bits.set(199);
    OrdinalFilter predicate = i -> bits.get(i);
    assertEquals(List.of(3, 64, 65), enumerate(OrdinalFilter.allowing(bits), 199));
    assertEquals(List.of(3, 64, 65), enumerate(predicate, 199));
    List<Integer> notBlocked = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      if (!bits.get(i)) {
        notBlocked.add(i);
      }
    }
    assertEquals(notBlocked, enumerate(OrdinalFilter.excluding(bits), 70));
  }

  @Test
  void nothingAllowedGivesTheEnd() {
    assertEquals(50, OrdinalFilter.allowing(new BitSet()).nextAllowed(0, 50));
    assertEquals(50, ((OrdinalFilter) i -> false).nextAllowed(10, 50));
  }

  @Test
  void bitSetsCountWhatTheyAllowAndPredicatesCannot() {
    BitSet bits = new BitSet();
    bits.set(2);
    bits.set(40);
    assertEquals(2, OrdinalFilter.allowing(bits).allowedCount(100));
    assertEquals(98, OrdinalFilter.excluding(bits).allowedCount(100));
    assertEquals(-1, OrdinalFilter.allowing(bits).allowedCount(30), "a bit beyond the end");
    assertEquals(-1, ((OrdinalFilter) bits::get).allowedCount(100));
  }
}

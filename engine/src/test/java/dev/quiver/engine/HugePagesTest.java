package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class HugePagesTest {

  @Test
  void largeRegionIsZeroedAlignedWritableAndFreedWithItsArena() {
    long bytes = (6L << 20) + 12;
    MemorySegment seg;
    try (Arena arena = Arena.ofShared()) {
      seg = HugePages.allocate(arena, bytes);
      assertEquals(bytes, seg.byteSize());
      assertEquals(0, seg.address() % 64);
      for (long i = 0; i < bytes; i += 4093) {
        assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
      }
      seg.set(ValueLayout.JAVA_INT_UNALIGNED, bytes - 4, 0x12345678);
      seg.set(ValueLayout.JAVA_INT, 0, -7);
      assertEquals(0x12345678, seg.get(ValueLayout.JAVA_INT_UNALIGNED, bytes - 4));
      assertEquals(-7, seg.get(ValueLayout.JAVA_INT, 0));
    }
    MemorySegment closed = seg;
    assertThrows(IllegalStateException.class, () -> closed.get(ValueLayout.JAVA_INT, 0));
  }

  @Test
  void smallRegionIsZeroedAndWritable() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment seg = HugePages.allocate(arena, 100);
      assertEquals(100, seg.byteSize());
      assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, 99));
      seg.set(ValueLayout.JAVA_BYTE, 99, (byte) 5);
      assertEquals(5, seg.get(ValueLayout.JAVA_BYTE, 99));
    }
  }
}

package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsWriterTest {
  @TempDir Path dir;

  @Test
  void readerGetsBackWhatWasWritten() throws Exception {
    Random rnd = new Random(1);
    float[] a = new float[3 * 5];
    float[] b = new float[7];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextGaussian();
    }
    Path file = dir.resolve("t.safetensors");
    new SafeTensorsWriter().add("layer.weight", a, 3, 5).add("layer.bias", b, 7).write(file);
    SafeTensors st = SafeTensors.open(file);
    assertArrayEquals(new long[] {3, 5}, st.entry("layer.weight").shape());
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = st.read("layer.weight", new long[] {3, 5}, arena);
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
      }
      MemorySegment t = st.read("layer.bias", new long[] {7}, arena);
      assertEquals(b[6], t.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 6));
    }
  }

  @Test
  void shapeMustMatchData() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SafeTensorsWriter().add("w", new float[5], 2, 3));
    assertEquals(true, e.getMessage().contains("[2, 3]"), e.getMessage());
  }
}

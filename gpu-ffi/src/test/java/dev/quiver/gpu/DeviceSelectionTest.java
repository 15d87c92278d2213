package dev.quiver.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceSelectionTest {
  @TempDir Path dir;

  private Cuda missing() {
    return Cuda.load(dir.resolve("libquiver_gpu.so"));
  }

  @Test
  void autoFallsToTheCpuWithCudasReason() {
    Cuda cuda = missing();
    for (String auto : new String[] {null, "", "auto", " AUTO "}) {
      DeviceSelection s = DeviceSelection.choose(auto, cuda);
      assertFalse(s.gpu());
      assertEquals(cuda.reason(), s.reason());
    }
  }

  @Test
  void cpuCanBeForced() {
    DeviceSelection s = DeviceSelection.choose("cpu", Cuda.runtime());
    assertFalse(s.gpu());
    assertTrue(s.reason().contains("quiver.tower.device=cpu"), s.reason());
  }

  @Test
  void forcingAnUnusableGpuSaysWhy() {
    Cuda cuda = missing();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DeviceSelection.choose("gpu", cuda));
    assertTrue(e.getMessage().contains("LIBRARY_MISSING: " + cuda.reason()), e.getMessage());
  }

  @Test
  void autoPicksTheGpuExactlyWhenItIsAvailable() {
    Cuda cuda = Cuda.runtime();
    assertEquals(cuda.available(), DeviceSelection.choose("auto", cuda).gpu());
  }

  @Test
  void unknownSettingIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DeviceSelection.choose("tpu", missing()));
    assertEquals("quiver.tower.device must be auto, cpu or gpu: tpu", e.getMessage());
  }
}

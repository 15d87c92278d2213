package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TowerBackendsTest {
  private record Fake(String name, boolean available, int priority) implements TowerBackendProvider {
    @Override
    public TowerBackend create() {
      return new TowerBackend() {
        @Override
        public String name() {
          return Fake.this.name;
        }

        @Override
        public void embed(Tower tower, FeatureRow[] rows, int count, float[] out) {
          throw new UnsupportedOperationException();
        }
      };
    }
  }

  @Test
  void highestPriorityAvailableWins() {
    List<TowerBackendProvider> ps = List.of(new Fake("gpu", true, 10), new Fake("tpu", false, 20),
        new Fake("fpga", true, 5));
    assertEquals("gpu", TowerBackends.choose("", ps).name());
    assertEquals("gpu", TowerBackends.choose(" Auto ", ps).name());
  }

  @Test
  void cpuWhenNoneAvailable() {
    assertSame(CpuTowerBackend.INSTANCE, TowerBackends.choose("", List.of(new Fake("gpu", false, 10))));
    assertSame(CpuTowerBackend.INSTANCE, TowerBackends.choose("", List.of()));
    assertSame(CpuTowerBackend.INSTANCE, TowerBackends.choose("cpu", List.of(new Fake("gpu", true, 10))));
  }

  @Test
  void forcedBackendMustExistAndBeAvailable() {
    assertEquals("gpu", TowerBackends.choose("GPU", List.of(new Fake("gpu", true, -1))).name());
    assertThrows(IllegalStateException.class,
        () -> TowerBackends.choose("gpu", List.of(new Fake("gpu", false, 10))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TowerBackends.choose("gpu", List.of()));
    assertTrue(e.getMessage().contains("gpu"));
  }

  @Test
  void defaultIsTheCpuHere() {
    assertEquals("cpu", TowerBackends.select().name());
  }
}

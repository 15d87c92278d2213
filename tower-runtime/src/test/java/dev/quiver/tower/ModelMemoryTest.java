package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ModelMemoryTest {
  @Test
  void callerArenaHoldsTheTablesUntilTheCallerClosesIt() throws IOException {
    FeatureRow row;
    float[] before = new float[8], after = new float[8];
    try (Arena arena = Arena.ofShared()) {
      TowerModel model = TowerModel.load(Fixtures.dir("basic"), arena);
      row = model.user().newRow().setId("user_id", 5);
      model.user().embed(row, before);
      model.close();
      model.user().embed(row, after);
      assertArrayEquals(before, after);
      assertTrue(model.user().features().get(0).table().scope().isAlive());
    }
    TowerModel owned = TowerModel.load(Fixtures.dir("basic"));
    Feature f = owned.user().features().get(0);
    owned.close();
    assertThrows(IllegalStateException.class, () -> f.table().get(ValueLayout.JAVA_FLOAT, 0));
  }

  @Test
  void tablesComeFromTheGivenAllocator() throws IOException {
    List<Long> sizes = new java.util.ArrayList<>();
    float[] plain = new float[8], custom = new float[8];
    try (Arena arena = Arena.ofConfined(); TowerModel reference = TowerModel.load(Fixtures.dir("basic"))) {
      TowerModel model = TowerModel.load(Fixtures.dir("basic"), arena, (a, bytes) -> {
        sizes.add(bytes);
        return a.allocate(bytes, 4096);
      });
      long tables = 0;
      for (Tower t : List.of(model.user(), model.item())) {
        for (Feature f : t.features()) {
          tables += 1;
          assertEquals(0, f.table().address() % 4096);
        }
      }
      assertEquals(tables, sizes.size());
      FeatureRow row = model.user().newRow().setId("user_id", 9).setCategorical("country", "jp");
      model.user().embed(row, custom);
      reference.user().embed(reference.user().newRow().setId("user_id", 9).setCategorical("country", "jp"), plain);
      assertArrayEquals(plain, custom);
    }
  }

  @Test
  void structureIsReadOnlyAndFoldsBatchNorm() throws IOException {
    try (TowerModel model = TowerModel.load(Fixtures.dir("rich"))) {
      Tower user = model.user();
      DenseLayer first = user.layers().get(0);
      assertEquals(user.inputWidth(), first.in());
      assertEquals(48, first.out());
      assertEquals(Activation.LEAKY_RELU, first.activation());
      assertEquals(0.1f, first.negativeSlope(), 1e-7f);
      assertTrue(first.weights().isReadOnly());
      assertThrows(IllegalArgumentException.class,
          () -> first.weights().set(ValueLayout.JAVA_FLOAT, 0, 1f));
      assertEquals(5, user.senet().fields());
      assertEquals(3, user.senet().hidden());
      assertEquals(List.of("click", "like", "follow"), user.headNames());
      assertEquals(16, user.dim());
    }
  }

  @Test
  void threadsEmbedConcurrentlyWithTheirOwnScratch() throws Exception {
    try (TowerModel model = TowerModel.load(Fixtures.dir("rich"))) {
      Tower user = model.user();
      List<FeatureRow> rows = FeatureRows.readJsonl(Fixtures.dir("rich").resolve("user.jsonl"), user);
      int w = user.heads() * user.dim();
      float[] want = new float[rows.size() * w];
      user.embedBatch(rows.toArray(FeatureRow[]::new), rows.size(), want);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> runs = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
          runs.add(pool.submit(() -> {
            float[] got = new float[rows.size() * w];
            float[] one = new float[w];
            for (int r = 0; r < rows.size(); r++) {
              user.embed(rows.get(r), one);
              System.arraycopy(one, 0, got, r * w, w);
            }
            return got;
          }));
        }
        for (Future<float[]> f : runs) {
          assertArrayEquals(want, f.get());
        }
      } finally {
        pool.shutdown();
      }
    }
  }
}

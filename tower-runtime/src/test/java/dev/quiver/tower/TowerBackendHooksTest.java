package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What another backend uses: the dense layers' input, and hooks that run when the model closes. */
class TowerBackendHooksTest {
  /** The dense layers and heads run on {@link Tower#denseInput} give {@link Tower#embedBatch}'s vectors. */
  @ParameterizedTest
  @ValueSource(strings = {"basic", "rich"})
  void denseInputThroughTheLayersIsTheEmbedding(String variant) throws IOException {
    try (TowerModel model = TowerModel.load(Fixtures.dir(variant))) {
      for (Tower t : List.of(model.user(), model.item())) {
        FeatureRow[] rows = FeatureRows.readJsonl(Fixtures.dir(variant).resolve(t.name() + ".jsonl"), t)
            .subList(0, 40).toArray(FeatureRow[]::new);
        int n = rows.length - 3, w = t.heads() * t.dim();
        float[] want = new float[n * w];
        t.embedBatch(java.util.Arrays.copyOfRange(rows, 3, rows.length), n, want);
        float[] x = new float[5 + n * t.inputWidth()];
        t.denseInput(rows, 3, n, x, 5);
        float[] trunk = layers(t.layers(), java.util.Arrays.copyOfRange(x, 5, x.length), n);
        float[] got = new float[n * w];
        for (int h = 0; h < t.heads(); h++) {
          Head head = t.headList().get(h);
          float[] v = layers(head.layers(), trunk, n);
          for (int r = 0; r < n; r++) {
            System.arraycopy(v, r * t.dim(), got, (r * t.heads() + h) * t.dim(), t.dim());
            head.finish(got, (r * t.heads() + h) * t.dim(), t.dim());
          }
        }
        assertArrayEquals(want, got, 1e-6f, variant + "/" + t.name());
      }
    }
  }

  private static float[] layers(List<DenseLayer> layers, float[] x, int n) {
    for (DenseLayer l : layers) {
      float[] y = new float[n * l.out()];
      l.forward(x, n, y, false);
      x = y;
    }
    return x;
  }

  @Test
  void denseInputRefusesAShortArray() throws IOException {
    try (TowerModel model = TowerModel.load(Fixtures.dir("basic"))) {
      Tower t = model.user();
      FeatureRow[] rows = {t.newRow(), t.newRow()};
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.denseInput(rows, 0, 2, new float[2 * t.inputWidth() - 1], 0));
      assertEquals("rows [0, 2) of 2 need " + 2 * t.inputWidth() + " floats from 0 of "
          + (2 * t.inputWidth() - 1), e.getMessage());
    }
  }

  @Test
  void closeRunsEachHookOnceBeforeFreeingEvenIfOneThrows() throws IOException {
    List<String> ran = new ArrayList<>();
    TowerModel model = TowerModel.load(Fixtures.dir("basic"));
    Tower user = model.user();
    user.onClose(() -> ran.add("user1:" + user.features().get(0).table().scope().isAlive()));
    user.onClose(() -> {
      throw new IllegalStateException("boom");
    });
    user.onClose(() -> ran.add("user3"));
    model.item().onClose(() -> ran.add("item"));
    IllegalStateException e = assertThrows(IllegalStateException.class, model::close);
    assertEquals("boom", e.getMessage());
    assertEquals(List.of("user1:true", "user3", "item"), ran);
    assertFalse(user.features().get(0).table().scope().isAlive());
    Runnable late = () -> ran.add("late");
    user.onClose(late);
    assertSame("late", ran.get(ran.size() - 1));
  }
}

package dev.quiver.bench.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepConfigTest {
  @Test
  void searchSettingsSplitOnSemicolons() {
    assertEquals(List.of(Params.DEFAULT), SweepConfig.parseSearch(""));
    List<Params> settings = SweepConfig.parseSearch("efSearch=10;efSearch=20,x=1;");
    assertEquals(2, settings.size());
    assertEquals("efSearch=20,x=1", settings.get(1).toString());
  }

  @Test
  void learnSetBecomesABuildParameter() {
    Path learn = Path.of("data", "learn.fvecs");
    SweepConfig c = config(Params.parse("M=16"), learn);
    assertEquals("M=16,learn=" + learn, c.indexBuildParams().toString());
    assertEquals("learn=" + learn, config(Params.DEFAULT, learn).indexBuildParams().toString());
    assertEquals("M=16", config(Params.parse("M=16"), null).indexBuildParams().toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> config(Params.DEFAULT, Path.of("/tmp/a,b.fvecs")).indexBuildParams());
    assertTrue(e.getMessage().contains("/tmp/a,b.fvecs"), e.getMessage());
  }

  @Test
  void badNumbersNameTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SweepConfig("flat",
        Metric.INNER_PRODUCT, Path.of("b"), Path.of("q"), null, 0, 0, 1, 0, 0, null, null, null, null, Path.of("o"), 0,
        false));
    assertEquals("k must be positive, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new SweepConfig("flat", Metric.INNER_PRODUCT, Path.of("b"),
        Path.of("q"), null, 10, 0, 1, 0, -4, null, null, null, null, Path.of("o"), 0, false));
    assertTrue(e.getMessage().contains("got -4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new SweepConfig("flat", Metric.INNER_PRODUCT, Path.of("b"),
        Path.of("q"), null, 10, 0, 1, -2, 0, null, null, null, null, Path.of("o"), 0, false));
    assertEquals("build threads must be >= 0 (0 = as many as search threads), got -2", e.getMessage());
  }

  @Test
  void filterFractionsMustBeShares() {
    for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SweepConfig("hnsw",
          Metric.INNER_PRODUCT, Path.of("b"), Path.of("q"), null, 10, 0, 1, 0, 0, null, null, null, null, Path.of("o"),
          0, false, List.of(0.5, bad)));
      assertEquals("filter fraction must be in (0, 1], got " + bad, e.getMessage());
    }
  }

  @Test
  void buildThreadsDefaultToSearchThreads() {
    SweepConfig same = new SweepConfig("flat", Metric.INNER_PRODUCT, Path.of("b"), Path.of("q"), null, 10, 0, 3, 0, 0,
        null, null, null, null, Path.of("o"), 0, false);
    assertEquals(3, same.buildThreads());
    SweepConfig apart = new SweepConfig("flat", Metric.INNER_PRODUCT, Path.of("b"), Path.of("q"), null, 10, 0, 1, 2, 0,
        null, null, null, null, Path.of("o"), 0, false);
    assertEquals(2, apart.buildThreads());
    assertEquals(1, apart.threads());
  }

  private static SweepConfig config(Params build, Path learn) {
    return new SweepConfig("hnsw", Metric.INNER_PRODUCT, Path.of("b.fvecs"), Path.of("q.fvecs"), null, 10, 0, 1, 0, 0,
        build, List.of(), learn, List.of(), Path.of("out"), 0, false);
  }
}

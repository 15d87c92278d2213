package dev.quiver.tools.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tools.Fixtures;
import dev.quiver.tools.TwoTowerDataset;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryRunnerTest {
  private static final int K = 7;
  private static TwoTowerDataset data;
  private static VectorIndex index;
  private static int[][] exact;

  @BeforeAll
  static void build() {
    data = Fixtures.dataset(1500, 24, 103, 5);
    try (VectorStore store = Fixtures.store(data.base())) {
      index = IndexFormats.forKind("flat").build(store, null, Metric.INNER_PRODUCT, Params.DEFAULT, 2);
    }
    exact = Fixtures.bruteForce(data.base(), data.userQueries(), Metric.INNER_PRODUCT, K);
  }

  @AfterAll
  static void close() {
    index.close();
  }

  @ParameterizedTest(name = "threads {0}, batch {1}")
  @CsvSource({"1, 0", "3, 0", "1, 10", "2, 32", "2, 500"})
  void everyModeFindsTheExactNeighboursAndTimesEveryQuery(int threads, int batch) {
    try (QueryRunner runner = new QueryRunner(index, data.userQueries(), K, threads, batch)) {
      runner.warmUp(Params.DEFAULT, 0.05);
      Measurement m = runner.measure(Params.DEFAULT);
      assertEquals(data.userQueries().length, m.ids().length);
      for (int q = 0; q < exact.length; q++) {
        long[] expected = new long[K];
        for (int i = 0; i < K; i++) {
          expected[i] = exact[q][i];
        }
        assertArrayEquals(expected, m.ids()[q], "query " + q);
      }
      assertEquals(data.userQueries().length, m.latenciesNanos().getTotalCount());
      assertTrue(m.wallSeconds() > 0);
      assertTrue(m.p50Micros() > 0 && m.p50Micros() <= m.p99Micros());
      assertEquals(data.userQueries().length / m.wallSeconds(), m.qps(), 1e-9 * m.qps());
    }
  }
}

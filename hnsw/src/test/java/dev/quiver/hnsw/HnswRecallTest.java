package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Recall against exact search on clustered data, for every metric. */
class HnswRecallTest {
  private static final int N = 8000;
  private static final int DIM = 32;
  private static final int QUERIES = 200;
  private static final int K = 10;
  private static final Params BUILD = Params.parse("M=16,efConstruction=100");
  private static final Params SEARCH = Params.parse("efSearch=64");

  @ParameterizedTest(name = "{0}, norms vary: {1}, {2}")
  @CsvSource({"ip,true,ipGraph=raw", "ip,false,ipGraph=raw", "ip,true,ipGraph=transform",
      "ip,false,ipGraph=transform", "cosine,true,", "l2,false,", "ip,true,traverse=sq8",
      "ip,false,traverse=sq8", "cosine,true,traverse=sq8", "l2,false,traverse=sq8",
      "l2,true,traverse=sq8", "ip,true,'ipGraph=transform,traverse=sq8'"})
  void recallAtTenAboveNinetyFive(String metricName, boolean varyNorms, String ipGraph) {
    Metric metric = Metric.fromName(metricName);
    float[][][] data = TestData.baseAndQueries(7, N, QUERIES, DIM, 40, varyNorms);
    float[][] base = data[0];
    float[][] queries = data[1];
    int[][] truth = TestData.groundTruth(base, metric, queries, K, null);
    Params build = Params.parse("M=16,efConstruction=100" + (ipGraph == null ? "" : "," + ipGraph));
    // The transform needs a wider beam when norms spread 16-fold (see HnswIndex).
    Params search = Params.parse(ipGraph != null && ipGraph.contains("transform") && varyNorms ? "efSearch=256"
        : "efSearch=64");
    try (VectorStore store = TestData.store(base);
         HnswIndex index = HnswIndex.build(store, null, metric, build, null, 1)) {
      double recall = TestData.recall(truth, TestData.search(index, queries, K, null, search), K);
      assertTrue(recall >= 0.95, metric + " recall@10 " + recall);
      assertEquals(N, index.size());
    }
  }

  @ParameterizedTest(name = "traverse={0}")
  @CsvSource({"f32", "sq8"})
  void scoresAreTheMetricsExactValues(String traverse) {
    float[][][] data = TestData.baseAndQueries(3, 2000, 1, DIM, 10, true);
    float[][] base = data[0];
    float[] q = data[1][0];
    Params build = Params.parse("M=16,efConstruction=100,traverse=" + traverse);
    for (Metric metric : Metric.values()) {
      try (VectorStore store = TestData.store(base);
           HnswIndex index = HnswIndex.build(store, null, metric, build, null, 1)) {
        SearchResults out = index.search(q, K);
        assertEquals(K, out.count());
        for (int i = 0; i < out.count(); i++) {
          double expected = reference(base[(int) out.id(i)], q, metric);
          assertEquals(expected, out.score(i), 1e-3 * Math.max(1, Math.abs(expected)), metric + " rank " + i);
          if (i > 0) {
            boolean ordered = metric == Metric.L2 ? out.score(i) >= out.score(i - 1) : out.score(i) <= out.score(i - 1);
            assertTrue(ordered, metric + " results out of order at rank " + i);
          }
        }
      }
    }
  }

  private static double reference(float[] x, float[] q, Metric metric) {
    double dot = 0, nx = 0, nq = 0, l2 = 0;
    for (int i = 0; i < x.length; i++) {
      dot += (double) x[i] * q[i];
      nx += (double) x[i] * x[i];
      nq += (double) q[i] * q[i];
      l2 += ((double) x[i] - q[i]) * ((double) x[i] - q[i]);
    }
    return switch (metric) {
      case INNER_PRODUCT -> dot;
      case COSINE -> dot / Math.sqrt(nx * nq);
      case L2 -> l2;
    };
  }

  @Test
  void singleThreadBuildIsReproducibleAndConcurrentBuildMatchesItsRecall() {
    float[][][] data = TestData.baseAndQueries(11, N, QUERIES, DIM, 40, false);
    float[][] base = data[0];
    float[][] queries = data[1];
    int[][] truth = TestData.groundTruth(base, Metric.COSINE, queries, K, null);
    Params search = Params.parse("efSearch=24");
    try (VectorStore store = TestData.store(base);
         HnswIndex one = HnswIndex.build(store, null, Metric.COSINE, BUILD, null, 1);
         HnswIndex again = HnswIndex.build(store, null, Metric.COSINE, BUILD, null, 1);
         HnswIndex many = HnswIndex.build(store, null, Metric.COSINE, BUILD, null, 4)) {
      long[][] first = TestData.search(one, queries, K, null, search);
      long[][] second = TestData.search(again, queries, K, null, search);
      for (int q = 0; q < QUERIES; q++) {
        assertArrayEquals(first[q], second[q], "query " + q);
      }
      double single = TestData.recall(truth, first, K);
      double concurrent = TestData.recall(truth, TestData.search(many, queries, K, null, search), K);
      assertTrue(single > 0.8 && single < 1, "a low efSearch should leave a gap to compare: " + single);
      assertTrue(Math.abs(single - concurrent) <= 0.01, "single " + single + ", concurrent " + concurrent);
    }
  }

  @Test
  void batchSearchEqualsOneByOne() {
    float[][][] data = TestData.baseAndQueries(5, 3000, 64, DIM, 20, true);
    float[][] base = data[0];
    float[][] queries = data[1];
    try (VectorStore store = TestData.store(base);
         HnswIndex index = HnswIndex.build(store, null, Metric.INNER_PRODUCT, BUILD, null, 2)) {
      SearchResults[] out = TestData.results(queries.length, K);
      index.searchBatch(queries, K, null, SEARCH, out, 4);
      long[][] single = TestData.search(index, queries, K, null, SEARCH);
      for (int q = 0; q < queries.length; q++) {
        assertArrayEquals(single[q], out[q].ids(), "query " + q);
      }
    }
  }

  @Test
  void tinyAndEmptyIndexes() {
    try (VectorStore empty = VectorStore.allocate(4, 0);
         HnswIndex index = HnswIndex.build(empty, null, Metric.L2, BUILD, null, 1)) {
      assertEquals(0, index.search(new float[4], 3).count());
    }
    float[][] three = {{1, 0}, {0, 1}, {1, 1}};
    try (VectorStore store = TestData.store(three);
         HnswIndex index = HnswIndex.build(store, null, Metric.L2, BUILD, null, 1)) {
      SearchResults out = index.search(new float[] {0.9f, 0.1f}, 5);
      assertArrayEquals(new long[] {0, 2, 1}, out.ids());
    }
  }
}

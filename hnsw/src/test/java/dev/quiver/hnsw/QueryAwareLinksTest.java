package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries unlike the items (two-tower user vectors): a sample of such queries at build time must
 * raise recall at a given efSearch.
 */
class QueryAwareLinksTest {
  private static final int K = 10;
  private static final int DIM = 32;

  /** Normalised clustered items; queries pulled toward one shared direction, away from the items. */
  private static float[][][] offDistribution(long seed, int n, int queries, int learn) {
    Random rnd = new Random(seed);
    float[][] centres = TestData.centres(rnd, 200, DIM);
    float[] shift = TestData.centres(rnd, 1, DIM)[0];
    normalize(shift);
    float[][] items = TestData.clustered(rnd, n, centres, false);
    for (float[] x : items) {
      normalize(x);
    }
    float[][] q = TestData.clustered(rnd, queries + learn, centres, false);
    for (float[] u : q) {
      normalize(u);
      for (int j = 0; j < DIM; j++) {
        u[j] += 1.5f * shift[j];
      }
      normalize(u);
    }
    return new float[][][] {items, java.util.Arrays.copyOf(q, queries),
        java.util.Arrays.copyOfRange(q, queries, queries + learn)};
  }

  private static void normalize(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    for (int j = 0; j < v.length; j++) {
      v[j] /= (float) Math.sqrt(s);
    }
  }

  @Test
  void learnSampleRaisesRecallOfOffDistributionQueries(@TempDir Path dir) throws IOException {
    float[][][] data = offDistribution(51, 8000, 200, 2000);
    int[][] truth = TestData.groundTruth(data[0], Metric.INNER_PRODUCT, data[1], K, null);
    Params build = Params.parse("M=12,efConstruction=80");
    Params search = Params.parse("efSearch=16");
    Path learnFile = dir.resolve("learn.fvecs");
    VectorFiles.writeFloats(learnFile, data[2]);
    try (VectorStore store = TestData.store(data[0]);
         VectorStore learn = TestData.store(data[2]);
         HnswIndex plain = HnswIndex.build(store, null, Metric.INNER_PRODUCT, build, null, 2);
         HnswIndex aware = HnswIndex.build(store, null, Metric.INNER_PRODUCT, build, learn, 2);
         VectorIndex viaFormat = IndexFormats.forKind("hnsw").build(store, null, Metric.INNER_PRODUCT,
             Params.parse("M=12,efConstruction=80,learn=" + learnFile), 1)) {
      double without = TestData.recall(truth, TestData.search(plain, data[1], K, null, search), K);
      double with = TestData.recall(truth, TestData.search(aware, data[1], K, null, search), K);
      double format = TestData.recall(truth, TestData.search(viaFormat, data[1], K, null, search), K);
      assertTrue(aware.queryAwareLinks() > 0);
      assertTrue(with >= without + 0.05, "recall@10 at efSearch 16: without sample " + without + ", with " + with);
      assertTrue(format >= without + 0.05, "learn=PATH through the format: " + format + " vs " + without);
      Path file = dir.resolve("aware.qvr");
      aware.write(file);
      try (HnswIndex opened = (HnswIndex) IndexFormats.open(file)) {
        assertEquals(aware.queryAwareLinks(), opened.queryAwareLinks());
        long[][] a = TestData.search(aware, data[1], K, null, search);
        long[][] b = TestData.search(opened, data[1], K, null, search);
        for (int q = 0; q < a.length; q++) {
          assertArrayEquals(a[q], b[q]);
        }
      }
    }
  }
}

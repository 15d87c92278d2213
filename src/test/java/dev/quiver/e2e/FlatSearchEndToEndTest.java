package dev.quiver.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.Recall;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path a user takes on day one: vectors in .fvecs files, an exact index built by kind name,
 * written, reopened by mapping, searched one query at a time and in batches; recall against an
 * independent double-precision ground truth written as .ivecs.
 */
class FlatSearchEndToEndTest {
  @TempDir Path dir;

  @Test
  void filesToIndexToRecall() throws IOException {
    Random rnd = new Random(42);
    int n = 3000, dim = 37, nq = 50, k = 10;
    float[][] base = clustered(rnd, n, dim);
    float[][] queries = clustered(rnd, nq, dim);
    Path basePath = dir.resolve("base.fvecs");
    Path queryPath = dir.resolve("query.npy");
    Path gtPath = dir.resolve("gt.ivecs");
    VectorFiles.writeFloats(basePath, base);
    VectorFiles.writeFloats(queryPath, queries);
    VectorFiles.writeInts(gtPath, groundTruth(base, queries, k));

    Path indexPath = dir.resolve("items.qvi");
    try (VectorStore items = VectorFiles.readFloats(basePath);
         VectorIndex built = IndexFormats.forKind("flat").build(items, null, Metric.INNER_PRODUCT, Params.DEFAULT, 2)) {
      built.write(indexPath);
    }
    int[][] gt = VectorFiles.readInts(gtPath);
    try (VectorIndex index = IndexFormats.open(indexPath); VectorStore qs = VectorFiles.readFloats(queryPath)) {
      float[][] q = new float[nq][];
      long[][] single = new long[nq][];
      SearchResults out = new SearchResults(k);
      for (int i = 0; i < nq; i++) {
        q[i] = qs.get(i);
        index.search(q[i], k, null, Params.DEFAULT, out);
        single[i] = out.ids();
      }
      SearchResults[] batch = new SearchResults[nq];
      for (int i = 0; i < nq; i++) {
        batch[i] = new SearchResults(k);
      }
      index.searchBatch(q, k, null, Params.DEFAULT, batch, 2);
      long[][] batched = new long[nq][];
      for (int i = 0; i < nq; i++) {
        batched[i] = batch[i].ids();
      }
      assertEquals(1.0, Recall.atK(gt, single, k), 1e-9);
      assertEquals(1.0, Recall.atK(gt, batched, k), 1e-9);
    }
  }

  /** Gaussian clusters in a low-dimensional subspace: well separated scores, no float ties. */
  private static float[][] clustered(Random rnd, int n, int dim) {
    float[][] v = new float[n][dim];
    for (float[] row : v) {
      int c = rnd.nextInt(8);
      for (int j = 0; j < dim; j++) {
        row[j] = (float) ((j % 8 == c ? 3 : 0) + rnd.nextGaussian());
      }
    }
    return v;
  }

  private static int[][] groundTruth(float[][] base, float[][] queries, int k) {
    int[][] gt = new int[queries.length][k];
    for (int q = 0; q < queries.length; q++) {
      double[] s = new double[base.length];
      Integer[] order = new Integer[base.length];
      for (int i = 0; i < base.length; i++) {
        order[i] = i;
        for (int j = 0; j < base[i].length; j++) {
          s[i] += (double) base[i][j] * queries[q][j];
        }
      }
      java.util.Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
      for (int r = 0; r < k; r++) {
        gt[q][r] = order[r];
      }
    }
    return gt;
  }
}

package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pq and sq8 kinds against brute force, through the SPI. */
class QuantizedIndexTest {
  private static final int N = 1200;
  private static final int DIM = 24;
  /** PQ with 4-bit codes in the fast-scan layout: a kind name plus build parameters. */
  private static final String FAST_SCAN = "pq|nbits=4,m=8";
  @TempDir Path dir;

  /** Builds {@code spec}: a kind, optionally followed by {@code |} and build parameters of its own. */
  private static VectorIndex build(String spec, VectorStore store, long[] ids, Metric metric, String params) {
    int bar = spec.indexOf('|');
    String kind = bar < 0 ? spec : spec.substring(0, bar);
    String all = bar < 0 ? params : (params.isEmpty() ? "" : params + ",") + spec.substring(bar + 1);
    return IndexFormats.forKind(kind).build(store, ids, metric, Params.parse(all), 2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"pq", "sq8", FAST_SCAN})
  void approximateRecallIsHighAndFullRerankIsExact(String kind) {
    Random rnd = new Random(kind.hashCode());
    float[][] base = Data.clustered(rnd, N, DIM, 30, 0.6);
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Data.store(base);
           VectorIndex index = build(kind, store, null, metric, "refine=1")) {
        double recall = 0;
        Params all = Params.parse("rerank=" + N);
        SearchResults out = new SearchResults(10);
        for (int t = 0; t < 20; t++) {
          float[] q = Data.clustered(rnd, 1, DIM, 30, 0.6)[0];
          int[] exact = Data.topK(base, q, 10, metric, null);
          recall += Data.recall(exact, index.search(q, 10)) / 20;
          index.search(q, 10, null, all, out);
          for (int i = 0; i < 10; i++) {
            assertEquals(exact[i], out.id(i), kind + " " + metric + " rank " + i);
            double expected = metric.externalScore((float) Data.score(base[exact[i]], q, metric));
            assertEquals(expected, out.score(i), 1e-3 * (1 + Math.abs(expected)));
          }
        }
        assertTrue(recall >= (kind.equals("sq8") ? 0.85 : kind.equals("pq") ? 0.5 : 0.3), kind + " " + metric + " recall " + recall);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"pq", "sq8", FAST_SCAN})
  void filtersAndBatchesAgreeWithSingleSearches(String kind) {
    Random rnd = new Random(7);
    float[][] base = Data.gaussian(rnd, N, DIM);
    long[] ids = new long[N];
    for (int i = 0; i < N; i++) {
      ids[i] = 1_000_000L + 7L * i;
    }
    try (VectorStore store = Data.store(base);
         VectorIndex index = build(kind, store, ids, Metric.INNER_PRODUCT, "refine=1")) {
      int nq = 9;
      float[][] queries = Data.gaussian(rnd, nq, DIM);
      OrdinalFilter[] filters = new OrdinalFilter[nq];
      for (int q = 0; q < nq; q++) {
        BitSet tomb = new BitSet();
        for (int i = q; i < N; i += 2 + q) {
          tomb.set(i);
        }
        filters[q] = q % 3 == 0 ? null : OrdinalFilter.excluding(tomb);
      }
      Params params = Params.parse("rerank=" + N);
      SearchResults[] batch = Data.results(nq, 5);
      index.searchBatch(queries, 5, filters, params, batch, 2);
      for (int q = 0; q < nq; q++) {
        SearchResults single = new SearchResults(5);
        index.search(queries[q], 5, filters[q], params, single);
        assertArrayEquals(single.ids(), batch[q].ids());
        OrdinalFilter f = filters[q];
        int[] exact = Data.topK(base, queries[q], 5, Metric.INNER_PRODUCT, f == null ? null : f::test);
        for (int i = 0; i < 5; i++) {
          assertEquals(ids[exact[i]], single.id(i));
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"pq", "sq8", FAST_SCAN})
  void roundTripGivesIdenticalResultsAndCorruptionIsRefused(String kind) throws IOException {
    Random rnd = new Random(3);
    float[][] base = Data.gaussian(rnd, 700, 16);
    long[] ids = new long[700];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = -5L * i - 1;
    }
    for (Metric metric : Metric.values()) {
      for (String params : new String[] {"", "refine=1"}) {
        Path file = dir.resolve(kind.replaceAll("[^a-z0-9-]", "_") + metric.shortName() + params.length() + ".qvi");
        try (VectorStore store = Data.store(base);
             VectorIndex built = build(kind, store, metric == Metric.L2 ? null : ids, metric, params)) {
          built.write(file);
          try (VectorIndex opened = IndexFormats.open(file)) {
            assertEquals(kind.replaceAll("\\|.*", ""), opened.kind());
            assertEquals(metric, opened.metric());
            assertEquals(built.byteSize(), opened.byteSize());
            Params sp = params.isEmpty() ? Params.DEFAULT : Params.parse("rerank=40");
            for (int t = 0; t < 5; t++) {
              float[] q = Data.gaussian(rnd, 1, 16)[0];
              SearchResults a = new SearchResults(10);
              SearchResults b = new SearchResults(10);
              built.search(q, 10, null, sp, a);
              opened.search(q, 10, null, sp, b);
              assertArrayEquals(a.ids(), b.ids());
              assertArrayEquals(a.scores(), b.scores());
            }
          }
        }
      }
    }
    Path file = dir.resolve(kind.replaceAll("[^a-z0-9-]", "_") + "ip0.qvi");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(raf.length() - 3);
      int b = raf.read();
      raf.seek(raf.length() - 3);
      raf.write(b ^ 0x5a);
    }
    var e = assertThrows(IOException.class, () -> IndexFormats.open(file));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"pq", "sq8", FAST_SCAN})
  void badParametersAreNamed(String kind) {
    try (VectorStore store = Data.store(Data.gaussian(new Random(1), 300, 8))) {
      var e = assertThrows(IllegalArgumentException.class, () -> build(kind, store, null, Metric.L2, "nlsit=4"));
      assertTrue(e.getMessage().contains("'nlsit'"), e.getMessage());
      try (VectorIndex index = build(kind, store, null, Metric.L2, "")) {
        e = assertThrows(IllegalArgumentException.class,
            () -> index.search(new float[8], 3, null, Params.parse("rerank=10"), new SearchResults(3)));
        assertTrue(e.getMessage().contains("refine=1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> index.search(new float[7], 3, null, Params.DEFAULT, new SearchResults(3)));
        assertTrue(e.getMessage().contains("dimension 7"), e.getMessage());
      }
    }
  }
}

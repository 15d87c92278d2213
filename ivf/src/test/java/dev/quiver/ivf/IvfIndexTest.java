package dev.quiver.ivf;

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
import dev.quiver.pq.Data;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The three IVF kinds against brute force, through the SPI. */
class IvfIndexTest {
  private static final int N = 2000;
  private static final int DIM = 16;
  private static final int NLIST = 25;
  /** IVF-PQ with 4-bit codes in the fast-scan layout: a kind name plus build parameters. */
  private static final String FAST_SCAN = "ivf-pq|nbits=4,m=8";
  @TempDir Path dir;

  /** Builds {@code spec}: a kind, optionally followed by {@code |} and build parameters of its own. */
  private static VectorIndex build(String spec, VectorStore store, long[] ids, Metric metric, String params) {
    int bar = spec.indexOf('|');
    String kind = bar < 0 ? spec : spec.substring(0, bar);
    String all = bar < 0 ? params : params + "," + spec.substring(bar + 1);
    return IndexFormats.forKind(kind).build(store, ids, metric, Params.parse(all), 2);
  }

  private static String kindOf(String spec) {
    return spec.contains("|") ? spec.substring(0, spec.indexOf('|')) : spec;
  }

  /** Exact scores with every list probed: refine + full rerank for the quantized kinds. */
  private static String exactBuild(String kind) {
    return "nlist=" + NLIST + (kind.equals("ivf-flat") ? "" : ",refine=1");
  }

  private static Params exactSearch(String kind) {
    return Params.parse("nprobe=" + NLIST + (kind.equals("ivf-flat") ? "" : ",rerank=" + N));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ivf-flat", "ivf-sq8", "ivf-pq", FAST_SCAN})
  void probingEveryListIsExact(String kind) {
    Random rnd = new Random(kind.hashCode());
    float[][] base = Data.clustered(rnd, N, DIM, 40, 0.5);
    long[] ids = new long[N];
    for (int i = 0; i < N; i++) {
      ids[i] = 31L * i + 5;
    }
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Data.store(base);
           VectorIndex index = build(kind, store, ids, metric, exactBuild(kind))) {
        SearchResults out = new SearchResults(10);
        for (int t = 0; t < 15; t++) {
          float[] q = Data.gaussian(rnd, 1, DIM)[0];
          index.search(q, 10, null, exactSearch(kind), out);
          int[] exact = Data.topK(base, q, 10, metric, null);
          assertEquals(10, out.count());
          for (int i = 0; i < 10; i++) {
            assertEquals(ids[exact[i]], out.id(i), kind + " " + metric + " rank " + i);
            double expected = metric.externalScore((float) Data.score(base[exact[i]], q, metric));
            assertEquals(expected, out.score(i), 1e-3 * (1 + Math.abs(expected)));
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ivf-flat", "ivf-sq8", "ivf-pq", FAST_SCAN})
  void recallRisesWithNprobe(String kind) {
    Random rnd = new Random(11);
    float[][] base = Data.clustered(rnd, N, DIM, 60, 0.8);
    float[][] queries = Data.clustered(rnd, 40, DIM, 60, 0.8);
    for (Metric metric : new Metric[] {Metric.INNER_PRODUCT, Metric.L2}) {
      try (VectorStore store = Data.store(base);
           VectorIndex index = build(kind, store, null, metric, "nlist=" + NLIST)) {
        double previous = -1;
        double first = 0;
        for (int nprobe : new int[] {1, 3, 8, NLIST}) {
          double recall = 0;
          SearchResults out = new SearchResults(10);
          for (float[] q : queries) {
            index.search(q, 10, null, Params.parse("nprobe=" + nprobe), out);
            recall += Data.recall(Data.topK(base, q, 10, metric, null), out) / queries.length;
          }
          // Exact scores make recall monotone in nprobe; estimated ones may let a probed list's
          // item outrank a true neighbour by its estimation error, so a quantised kind may dip a
          // little while it still rises overall (checked below).
          double slack = kind.equals("ivf-flat") ? 1e-9 : 0.01;
          assertTrue(recall >= previous - slack, kind + " " + metric + " nprobe=" + nprobe + ": " + recall + " < "
              + previous);
          first = previous < 0 ? recall : first;
          previous = recall;
        }
        assertTrue(previous > first, kind + " " + metric + ": recall did not rise, " + first + " -> " + previous);
        double floor = kind.equals("ivf-flat") ? 0.999 : kind.equals("ivf-sq8") ? 0.85 : 0.45;
        assertTrue(previous >= floor, kind + " " + metric + " recall at nprobe=nlist " + previous);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ivf-flat", "ivf-sq8", "ivf-pq", FAST_SCAN})
  void perQueryFiltersInBatchesMatchSingleSearchesAndBruteForce(String kind) {
    Random rnd = new Random(5);
    float[][] base = Data.gaussian(rnd, N, DIM);
    int nq = 37;
    float[][] queries = Data.gaussian(rnd, nq, DIM);
    OrdinalFilter[] filters = new OrdinalFilter[nq];
    for (int q = 0; q < nq; q++) {
      BitSet tombstones = new BitSet();
      for (int i = q % 5; i < N; i += 2 + q % 4) {
        tombstones.set(i);
      }
      filters[q] = q % 4 == 0 ? null : OrdinalFilter.excluding(tombstones);
    }
    for (Metric metric : Metric.values()) {
      try (VectorStore store = Data.store(base);
           VectorIndex index = build(kind, store, null, metric, exactBuild(kind))) {
        SearchResults[] batch = Data.results(nq, 7);
        index.searchBatch(queries, 7, filters, exactSearch(kind), batch, 2);
        for (int q = 0; q < nq; q++) {
          SearchResults single = new SearchResults(7);
          index.search(queries[q], 7, filters[q], exactSearch(kind), single);
          assertArrayEquals(single.ids(), batch[q].ids(), "query " + q);
          OrdinalFilter f = filters[q];
          int[] exact = Data.topK(base, queries[q], 7, metric, f == null ? null : f::test);
          for (int i = 0; i < 7; i++) {
            assertEquals(exact[i], single.id(i), kind + " " + metric + " query " + q + " rank " + i);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ivf-flat", "ivf-sq8", "ivf-pq", FAST_SCAN})
  void roundTripGivesIdenticalResults(String kind) throws IOException {
    Random rnd = new Random(8);
    float[][] base = Data.gaussian(rnd, 900, 16);
    long[] ids = new long[900];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = Long.MAX_VALUE - 3L * i;
    }
    for (Metric metric : Metric.values()) {
      for (String extra : kind.equals("ivf-flat") ? new String[] {""} : new String[] {"", ",refine=1"}) {
        Path file = dir.resolve(kind.replaceAll("[^a-z0-9-]", "_") + metric.shortName() + extra.length() + ".qvi");
        try (VectorStore store = Data.store(base);
             VectorIndex built = build(kind, store, metric == Metric.COSINE ? null : ids, metric, "nlist=10" + extra)) {
          built.write(file);
          try (VectorIndex opened = IndexFormats.open(file)) {
            assertEquals(kindOf(kind), opened.kind());
            assertEquals(metric, opened.metric());
            assertEquals(built.byteSize(), opened.byteSize());
            Params sp = Params.parse("nprobe=3" + (extra.isEmpty() ? "" : ",rerank=30"));
            float[][] queries = Data.gaussian(rnd, 6, 16);
            SearchResults[] a = Data.results(6, 10);
            SearchResults[] b = Data.results(6, 10);
            built.searchBatch(queries, 10, null, sp, a, 2);
            opened.searchBatch(queries, 10, null, sp, b, 1);
            for (int q = 0; q < 6; q++) {
              assertArrayEquals(a[q].ids(), b[q].ids());
              assertArrayEquals(a[q].scores(), b[q].scores());
              SearchResults c = new SearchResults(10);
              opened.search(queries[q], 10, null, sp, c);
              assertArrayEquals(a[q].ids(), c.ids());
            }
          }
        }
      }
    }
  }

  @Test
  void corruptListsAreRefusedEvenWithoutTheChecksum() throws IOException {
    Path file = dir.resolve("lists.qvi");
    try (VectorStore store = Data.store(Data.gaussian(new Random(2), 500, 8));
         VectorIndex index = build("ivf-flat", store, null, Metric.L2, "nlist=4")) {
      index.write(file);
    }
    // The list starts follow 4 centroids of 8 floats (128 bytes) at the next 64-byte boundary.
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(4096 + 128 + 4);
      raf.write(new byte[] {(byte) 0xff, (byte) 0xff, 0x7f, 0});
    }
    var e = assertThrows(IOException.class, () -> IndexFormats.open(file));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    e = assertThrows(IOException.class, () -> IndexFormats.open(file, false));
    assertTrue(e.getMessage().contains("inverted lists"), e.getMessage());
    // An ordinal out of range: the ordinals follow the 5 list starts at the next 64-byte boundary.
    Path good = dir.resolve("good.qvi");
    try (VectorStore store = Data.store(Data.gaussian(new Random(2), 500, 8));
         VectorIndex index = build("ivf-flat", store, null, Metric.L2, "nlist=4")) {
      index.write(good);
    }
    try (RandomAccessFile raf = new RandomAccessFile(good.toFile(), "rw")) {
      raf.seek(4096 + 192 + 4 * 7);
      raf.write(new byte[] {(byte) 0xf4, 0x01, 0, 0}); // ordinal 500 of 500
    }
    e = assertThrows(IOException.class, () -> IndexFormats.open(good, false));
    assertTrue(e.getMessage().contains("ordinal 500"), e.getMessage());
  }

  @Test
  void badBuildsAndSearchesAreNamed() {
    try (VectorStore store = Data.store(Data.gaussian(new Random(1), 300, 8))) {
      var e = assertThrows(IllegalArgumentException.class, () -> build("ivf-flat", store, null, Metric.L2, "nlist=400"));
      assertTrue(e.getMessage().contains("nlist=400") && e.getMessage().contains("got 300"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> build("ivf-pq", store, null, Metric.L2, "nlist=4,m=3"));
      assertTrue(e.getMessage().contains("m=3"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> build("ivf-flat", store, null, Metric.L2, "nprobe=4"));
      assertTrue(e.getMessage().contains("'nprobe'"), e.getMessage());
      try (VectorIndex index = build("ivf-flat", store, null, Metric.L2, "nlist=4")) {
        e = assertThrows(IllegalArgumentException.class,
            () -> index.search(new float[8], 3, null, Params.parse("nprobe=0"), new SearchResults(3)));
        assertTrue(e.getMessage().contains("nprobe=0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> index.search(new float[8], 3, null, Params.parse("efSearch=10"), new SearchResults(3)));
        assertTrue(e.getMessage().contains("'efSearch'"), e.getMessage());
        index.close();
        assertThrows(IllegalStateException.class, () -> index.search(new float[8], 3));
      }
    }
  }
}

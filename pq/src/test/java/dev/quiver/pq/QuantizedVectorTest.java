package dev.quiver.pq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector of an item in the pq and sq8 kinds: the decoding of its code, which is what the
 * approximate scores measure; the exact row with {@code refine=1}; the same after a file round trip.
 */
class QuantizedVectorTest {
  private static final int N = 600;
  private static final int DIM = 12;
  @TempDir Path dir;

  private static long[] ids() {
    long[] ids = new long[N];
    for (int i = 0; i < N; i++) {
      ids[i] = 5_000_000_000L + 13L * i;
    }
    return ids;
  }

  private static VectorIndex build(String kind, VectorStore store, long[] ids, Metric metric, String params) {
    return IndexFormats.forKind(kind).build(store, ids, metric, Params.parse(params), 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"pq:m=4", "pq:m=4,fastscan=0", "pq:m=6,nbits=4", "pq:m=6,nbits=4,fastscan=0", "sq8:"})
  void vectorsAreDecodedCodesThatSearchScores(String spec) throws IOException {
    String kind = spec.substring(0, spec.indexOf(':'));
    String params = spec.substring(spec.indexOf(':') + 1);
    Random rnd = new Random(spec.hashCode());
    float[][] base = Data.clustered(rnd, N, DIM, 8, 0.5);
    long[] ids = ids();
    for (Metric metric : Metric.values()) {
      Path file = dir.resolve(kind + metric.shortName() + ".qvi");
      float[][] held;
      try (VectorStore store = Data.store(base); VectorIndex index = build(kind, store, ids, metric, params)) {
        assertIds(index, ids);
        held = Reconstructions.vectors(index);
        for (int i = 0; i < N; i++) {
          float[] x = Reconstructions.normalised(base[i], metric);
          if (index instanceof PqIndex pq) {
            Reconstructions.assertNearestCodewords(pq.quantizer(), x, held[i], new float[DIM]);
          } else {
            assertSq8Decoding(((Sq8Index) index).quantizer(), x, held[i]);
          }
        }
        for (int t = 0; t < 3; t++) {
          assertScoresMeasureVectors(index, held, Data.gaussian(rnd, 1, DIM)[0]);
        }
        index.write(file);
      }
      try (VectorIndex opened = IndexFormats.open(file)) {
        assertIds(opened, ids);
        assertArrayEquals(held, Reconstructions.vectors(opened), kind + " " + metric + " after a round trip");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void fastScanLayoutDecodesAsThePlainOne(int nbits) {
    Random rnd = new Random(4);
    float[][] base = Data.clustered(rnd, N, DIM, 8, 0.5);
    try (VectorStore store = Data.store(base);
         VectorIndex fast = build("pq", store, null, Metric.L2, "m=6,fastscan=1,nbits=" + nbits);
         VectorIndex plain = build("pq", store, null, Metric.L2, "m=6,fastscan=0,nbits=" + nbits)) {
      assertTrue(((PqIndex) fast).fastScan() && !((PqIndex) plain).fastScan());
      assertArrayEquals(Reconstructions.vectors(plain), Reconstructions.vectors(fast));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"pq:m=4,refine=1", "pq:m=6,nbits=4,refine=1", "sq8:refine=1"})
  void refinedKindsGiveTheExactRows(String spec) throws IOException {
    String kind = spec.substring(0, spec.indexOf(':'));
    float[][] base = Data.gaussian(new Random(9), N, DIM);
    for (Metric metric : Metric.values()) {
      Path file = dir.resolve(kind + metric.shortName() + ".qvi");
      try (VectorStore store = Data.store(base);
           VectorIndex index = build(kind, store, ids(), metric, spec.substring(spec.indexOf(':') + 1))) {
        float[][] held = Reconstructions.vectors(index);
        for (int i = 0; i < N; i++) {
          assertArrayEquals(Reconstructions.normalised(base[i], metric), held[i], spec + " " + metric + " ordinal " + i);
        }
        index.write(file);
      }
      try (VectorIndex opened = IndexFormats.open(file)) {
        float[][] held = Reconstructions.vectors(opened);
        for (int i = 0; i < N; i++) {
          assertArrayEquals(Reconstructions.normalised(base[i], metric), held[i]);
        }
      }
    }
  }

  @Test
  void badArgumentsAndClosedIndexAreRefused() {
    try (VectorStore store = Data.store(Data.gaussian(new Random(2), 300, DIM))) {
      VectorIndex index = build("sq8", store, null, Metric.L2, "");
      var e = assertThrows(IllegalArgumentException.class, () -> index.vector(300, new float[DIM]));
      assertTrue(e.getMessage().contains("ordinal 300"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.vector(0, new float[3]));
      assertTrue(e.getMessage().contains("length 3"), e.getMessage());
      assertEquals(299, index.ordinal(299));
      assertEquals(-1, index.ordinal(300));
      index.close();
      assertThrows(IllegalStateException.class, () -> index.vector(0, new float[DIM]));
      assertThrows(IllegalStateException.class, () -> index.ordinal(0));
    }
  }

  static void assertIds(VectorIndex index, long[] ids) {
    for (int i = 0; i < ids.length; i++) {
      assertEquals(i, index.ordinal(ids[i]));
      assertEquals(-1, index.ordinal(ids[i] + 1));
    }
  }

  /** The vector is the decoding of {@code x}'s code, within half a step of {@code x} per component. */
  private static void assertSq8Decoding(ScalarQuantizer sq, float[] x, float[] reconstruction) {
    byte[] code = new byte[DIM];
    sq.encode(x, code, 0);
    float[] decoded = new float[DIM];
    sq.decode(code, 0, decoded);
    assertArrayEquals(decoded, reconstruction);
    for (int j = 0; j < DIM; j++) {
      assertTrue(Math.abs(x[j] - reconstruction[j]) <= sq.step()[j] * 0.5001 + 1e-6, "component " + j);
    }
  }

  /**
   * Every item's search score against {@code query} is that of its vector: to float rounding
   * with float PQ tables and with sq8 (the query keeps its float precision), within the tables'
   * quantisation bound with fast scan.
   */
  private static void assertScoresMeasureVectors(VectorIndex index, float[][] held, float[] query) {
    Metric metric = index.metric();
    float[] q = Reconstructions.normalised(query, metric);
    SearchResults out = new SearchResults(N);
    index.search(query, N, null, Params.DEFAULT, out);
    assertEquals(N, out.count());
    for (int r = 0; r < N; r++) {
      int ordinal = index.ordinal(out.id(r));
      double expected = metric == Metric.L2 ? -Data.score(held[ordinal], q, Metric.L2)
          : Data.score(held[ordinal], q, Metric.INNER_PRODUCT);
      double bound = tolerance(index, q, held[ordinal]) + 1e-4 * (1 + Math.abs(expected));
      assertEquals(expected, out.score(r), bound, index.kind() + " " + metric + " rank " + r);
    }
  }

  private static double tolerance(VectorIndex index, float[] q, float[] reconstruction) {
    boolean l2 = index.metric() == Metric.L2;
    if (index instanceof Sq8Index) {
      return 0;
    }
    PqIndex pqIndex = (PqIndex) index;
    if (!pqIndex.fastScan()) {
      return 0;
    }
    ProductQuantizer pq = pqIndex.quantizer();
    float[] table = new float[pq.tableSize()];
    if (l2) {
      pq.distanceTable(q, table);
    } else {
      pq.innerProductTable(q, table);
    }
    FastScan.Tables tables = new FastScan.Tables(pq.m(), pq.nbits());
    tables.quantize(table);
    return tables.errorBound() * 1.001;
  }
}

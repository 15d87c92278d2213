package dev.quiver.ivf;

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
import dev.quiver.pq.Data;
import dev.quiver.pq.FastScan;
import dev.quiver.pq.ProductQuantizer;
import dev.quiver.pq.Reconstructions;
import dev.quiver.pq.ScalarQuantizer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector of an item in the IVF kinds, found through the ordinal-to-position map: the exact
 * row for ivf-flat and with {@code refine=1}, else the list centroid plus the decoded residual,
 * which is what the search scores measure; the same after a file round trip.
 */
class IvfVectorTest {
  private static final int N = 700;
  private static final int DIM = 12;
  private static final int NLIST = 6;
  @TempDir Path dir;

  private static long[] ids() {
    long[] ids = new long[N];
    for (int i = 0; i < N; i++) {
      ids[i] = -9_000_000_000L + 11L * i;
    }
    return ids;
  }

  private static IvfIndex<?> build(String kind, VectorStore store, long[] ids, Metric metric, String params) {
    String all = "nlist=" + NLIST + (params.isEmpty() ? "" : "," + params);
    return (IvfIndex<?>) IndexFormats.forKind(kind).build(store, ids, metric, Params.parse(all), 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ivf-flat:", "ivf-sq8:", "ivf-pq:m=4", "ivf-pq:m=4,fastscan=0", "ivf-pq:m=6,nbits=4",
      "ivf-pq:m=6,nbits=4,fastscan=0"})
  void vectorsAreRowsOrReconstructionsThatSearchScores(String spec) throws IOException {
    String kind = spec.substring(0, spec.indexOf(':'));
    Random rnd = new Random(spec.hashCode());
    float[][] base = Data.clustered(rnd, N, DIM, 10, 0.5);
    long[] ids = ids();
    for (Metric metric : Metric.values()) {
      Path file = dir.resolve(kind + metric.shortName() + ".qvi");
      float[][] held;
      int[] lists = new int[N];
      try (VectorStore store = Data.store(base);
           IvfIndex<?> index = build(kind, store, ids, metric, spec.substring(spec.indexOf(':') + 1))) {
        assertIds(index, ids);
        held = Reconstructions.vectors(index);
        for (int i = 0; i < N; i++) {
          float[] x = Reconstructions.normalised(base[i], metric);
          lists[i] = index.list(i);
          assertReconstruction(index, x, held[i], lists[i]);
        }
        assertListsHoldTheirItems(index, lists);
        for (int t = 0; t < 3; t++) {
          assertScoresMeasureVectors(index, held, Data.gaussian(rnd, 1, DIM)[0]);
        }
        index.write(file);
      }
      try (IvfIndex<?> opened = (IvfIndex<?>) IndexFormats.open(file)) {
        assertIds(opened, ids);
        assertArrayEquals(held, Reconstructions.vectors(opened), spec + " " + metric + " after a round trip");
        for (int i = 0; i < N; i++) {
          assertEquals(lists[i], opened.list(i));
        }
      }
    }
  }

  private static void assertIds(VectorIndex index, long[] ids) {
    for (int i = 0; i < N; i++) {
      assertEquals(i, index.ordinal(ids[i]));
      assertEquals(-1, index.ordinal(ids[i] + 1));
    }
  }

  private static void assertReconstruction(IvfIndex<?> index, float[] x, float[] held, int list) {
    float[] c = new float[DIM];
    System.arraycopy(index.centroids().rows(), list * DIM, c, 0, DIM);
    switch (index) {
      case IvfFlatIndex _ -> assertArrayEquals(x, held);
      case IvfSq8Index sq8 -> {
        // The residual is computed, encoded and decoded, and the centroid added back, as the build does.
        ScalarQuantizer sq = sq8.quantizer();
        float[] r = new float[DIM];
        for (int j = 0; j < DIM; j++) {
          r[j] = x[j] - c[j];
        }
        byte[] code = new byte[DIM];
        sq.encode(r, code, 0);
        sq.decode(code, 0, r);
        for (int j = 0; j < DIM; j++) {
          assertEquals(r[j] + c[j], held[j], "component " + j);
          assertTrue(Math.abs(x[j] - held[j]) <= sq.step()[j] * 0.5001 + 1e-6, "component " + j);
        }
      }
      case IvfPqIndex pq -> Reconstructions.assertNearestCodewords(pq.quantizer(), x, held, c);
      default -> throw new AssertionError(index.kind());
    }
  }

  /** The lists of the items hold as many items as {@link IvfIndex#listSize} says. */
  private static void assertListsHoldTheirItems(IvfIndex<?> index, int[] lists) {
    int[] sizes = new int[index.nlist()];
    for (int l : lists) {
      sizes[l]++;
    }
    for (int l = 0; l < index.nlist(); l++) {
      assertEquals(index.listSize(l), sizes[l], "list " + l);
    }
  }

  /**
   * With every list probed, each item's score is that of its vector: exact for ivf-flat, to float
   * rounding with float PQ tables, within the tables' quantisation bound with fast scan, within
   * the query rounding bound with sq8.
   */
  private static void assertScoresMeasureVectors(IvfIndex<?> index, float[][] held, float[] query) {
    Metric metric = index.metric();
    float[] q = Reconstructions.normalised(query, metric);
    SearchResults out = new SearchResults(N);
    index.search(query, N, null, Params.parse("nprobe=" + NLIST), out);
    assertEquals(N, out.count());
    for (int r = 0; r < N; r++) {
      int ordinal = index.ordinal(out.id(r));
      double expected = metric == Metric.L2 ? -Data.score(held[ordinal], q, Metric.L2)
          : Data.score(held[ordinal], q, Metric.INNER_PRODUCT);
      double bound = tolerance(index, q, held[ordinal]) + 1e-4 * (1 + Math.abs(expected));
      assertEquals(expected, out.score(r), bound, index.kind() + " " + metric + " rank " + r);
    }
  }

  private static double tolerance(IvfIndex<?> index, float[] q, float[] reconstruction) {
    boolean l2 = index.metric() == Metric.L2;
    if (index instanceof IvfSq8Index sq8) {
      // Query rounding: alpha / 2 per unit of |code|, and a code is at most 128 in magnitude.
      ScalarQuantizer sq = sq8.quantizer();
      float maxWeight = 0;
      for (int j = 0; j < DIM; j++) {
        maxWeight = Math.max(maxWeight, Math.abs(q[j] * sq.step()[j]));
      }
      return (l2 ? 2 : 1) * maxWeight / 127 / 2 * 128 * DIM * 1.001;
    }
    if (!(index instanceof IvfPqIndex pq) || !pq.fastScan()) {
      return 0;
    }
    ProductQuantizer quantizer = pq.quantizer();
    float[] table = new float[quantizer.tableSize()];
    quantizer.innerProductTable(q, table);
    FastScan.Tables tables = new FastScan.Tables(quantizer.m(), quantizer.nbits());
    tables.quantize(table);
    return (l2 ? 2 : 1) * tables.errorBound() * 1.001;
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 8})
  void fastScanLayoutDecodesAsThePlainOne(int nbits) {
    float[][] base = Data.clustered(new Random(5), N, DIM, 10, 0.5);
    try (VectorStore store = Data.store(base);
         IvfPqIndex fast = (IvfPqIndex) build("ivf-pq", store, null, Metric.INNER_PRODUCT,
             "m=6,fastscan=1,nbits=" + nbits);
         IvfPqIndex plain = (IvfPqIndex) build("ivf-pq", store, null, Metric.INNER_PRODUCT,
             "m=6,fastscan=0,nbits=" + nbits)) {
      assertTrue(fast.fastScan() && !plain.fastScan());
      assertArrayEquals(Reconstructions.vectors(plain), Reconstructions.vectors(fast));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ivf-sq8:refine=1", "ivf-pq:m=4,refine=1"})
  void refinedKindsGiveTheExactRows(String spec) throws IOException {
    String kind = spec.substring(0, spec.indexOf(':'));
    float[][] base = Data.gaussian(new Random(6), N, DIM);
    for (Metric metric : Metric.values()) {
      Path file = dir.resolve(kind + metric.shortName() + ".qvi");
      try (VectorStore store = Data.store(base);
           IvfIndex<?> index = build(kind, store, ids(), metric, spec.substring(spec.indexOf(':') + 1))) {
        float[][] held = Reconstructions.vectors(index);
        for (int i = 0; i < N; i++) {
          assertArrayEquals(Reconstructions.normalised(base[i], metric), held[i], spec + " " + metric + " " + i);
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
      IvfIndex<?> index = build("ivf-flat", store, null, Metric.L2, "");
      var e = assertThrows(IllegalArgumentException.class, () -> index.vector(300, new float[DIM]));
      assertTrue(e.getMessage().contains("ordinal 300"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.list(-1));
      assertTrue(e.getMessage().contains("ordinal -1"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> index.vector(0, null));
      assertTrue(e.getMessage().contains("out is null"), e.getMessage());
      index.vector(0, new float[DIM]);
      index.close();
      assertThrows(IllegalStateException.class, () -> index.vector(0, new float[DIM]));
      assertThrows(IllegalStateException.class, () -> index.ordinal(0));
      assertThrows(IllegalStateException.class, () -> index.list(0));
    }
  }

  @Test
  void anOrdinalAtTwoPositionsIsRefused() throws IOException {
    Path file = dir.resolve("twice.qvi");
    try (VectorStore store = Data.store(Data.gaussian(new Random(2), 500, 8));
         VectorIndex index = IndexFormats.forKind("ivf-flat").build(store, null, Metric.L2, Params.parse("nlist=4"), 1)) {
      index.write(file);
    }
    // The ordinals follow 4 centroids of 8 floats and the 5 list starts, each at a 64-byte boundary.
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] first = new byte[4];
      raf.seek(4096 + 192);
      raf.readFully(first);
      raf.seek(4096 + 192 + 4 * 7);
      raf.write(first);
    }
    var e = assertThrows(IOException.class, () -> IndexFormats.open(file, false));
    assertTrue(e.getMessage().contains("position 7") && e.getMessage().contains("earlier position"), e.getMessage());
  }
}

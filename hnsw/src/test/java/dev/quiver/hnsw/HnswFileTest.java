package dev.quiver.hnsw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Write, map, search: identical results; damaged files refused. */
class HnswFileTest {
  private static final int K = 10;
  private static final Params SEARCH = Params.parse("efSearch=40");

  @TempDir
  Path dir;

  private static long[] ids(int n) {
    Random rnd = new Random(9);
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = rnd.nextLong() >>> 1;
    }
    return ids;
  }

  @ParameterizedTest(name = "{0} {1}, ids {2}")
  @CsvSource({"ip,ipGraph=transform,true", "ip,ipGraph=raw,false", "cosine,,true", "l2,,false",
      "ip,traverse=sq8,true", "l2,traverse=sq8,false"})
  void roundTripGivesIdenticalResults(String metricName, String extra, boolean withIds) throws IOException {
    Metric metric = Metric.fromName(metricName);
    float[][][] data = TestData.baseAndQueries(31, 3000, 50, 16, 12, true);
    long[] ids = withIds ? ids(3000) : null;
    Path file = dir.resolve("index.qvr");
    Params build = Params.parse("M=8,efConstruction=60" + (extra == null ? "" : "," + extra));
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex built = HnswIndex.build(store, ids, metric, build, null, 2)) {
      built.delete(withIds ? ids[5] : 5);
      built.write(file);
      try (VectorIndex opened = IndexFormats.open(file)) {
        assertTrue(opened instanceof HnswIndex);
        assertEquals(HnswIndex.KIND, opened.kind());
        assertEquals(metric, opened.metric());
        assertEquals(built.size(), opened.size());
        assertEquals(1, ((HnswIndex) opened).deletedCount());
        assertEquals(built.byteSize(), opened.byteSize());
        SearchResults a = new SearchResults(K);
        SearchResults b = new SearchResults(K);
        for (float[] q : data[1]) {
          built.search(q, K, null, SEARCH, a);
          opened.search(q, K, null, SEARCH, b);
          assertArrayEquals(a.ids(), b.ids());
          assertArrayEquals(a.scores(), b.scores());
        }
      }
    }
  }

  @ParameterizedTest(name = "traverse={0}")
  @CsvSource({"f32", "sq8"})
  void openedIndexAcceptsAddsAndDeletes(String traverse) throws IOException {
    float[][][] data = TestData.baseAndQueries(32, 2000, 20, 16, 10, false);
    Path file = dir.resolve("grow.qvr");
    Params build = Params.parse("M=8,efConstruction=40,traverse=" + traverse);
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex built = HnswIndex.build(store, null, Metric.L2, build, null, 1)) {
      built.write(file);
    }
    try (HnswIndex opened = (HnswIndex) IndexFormats.open(file)) {
      for (float[] q : data[1]) {
        long id = opened.add(q);
        assertEquals(id, opened.search(q, 1).id(0), "an added item is its own nearest neighbour");
      }
      assertEquals(2020, opened.size());
      assertTrue(opened.delete(2000));
      assertFalse(opened.search(data[1][0], 5).ids()[0] == 2000);
      Path again = dir.resolve("again.qvr");
      opened.write(again);
      try (HnswIndex reopened = (HnswIndex) IndexFormats.open(again)) {
        assertEquals(2020, reopened.size());
        assertEquals(1, reopened.deletedCount());
        assertEquals(2001, reopened.search(data[1][1], 1).id(0));
      }
    }
  }

  private Path written() throws IOException {
    return written("");
  }

  private Path written(String extra) throws IOException {
    float[][][] data = TestData.baseAndQueries(33, 1500, 1, 8, 6, false);
    Path file = dir.resolve("small.qvr");
    try (VectorStore store = TestData.store(data[0]);
         HnswIndex built = HnswIndex.build(store, null, Metric.COSINE, Params.parse("M=6,efConstruction=30" + extra),
             null, 1)) {
      built.write(file);
    }
    return file;
  }

  @Test
  void corruptBodyIsRefused() throws IOException {
    Path file = written();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(IndexFile.HEADER_BYTES + 100);
      int b = raf.read();
      raf.seek(IndexFile.HEADER_BYTES + 100);
      raf.write(b ^ 0x10);
    }
    IOException e = assertThrows(IOException.class, () -> IndexFormats.open(file));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @Test
  void truncatedFileIsRefused() throws IOException {
    Path file = written();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() - 8);
    }
    IOException e = assertThrows(IOException.class, () -> IndexFormats.open(file));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void formatOneFilesOpenAndLaterFormatsAreRefused() throws IOException {
    Path file = written(",reorder=none");
    Map<String, String> meta;
    byte[] body;
    try (IndexFile f = IndexFile.open(file, true)) {
      meta = new java.util.LinkedHashMap<>(f.metadata());
      body = f.body().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
    // Format 1 had no codes and no traverse key; its body is what format 3 writes without codes
    // and in input order.
    meta.put("hnswFormat", "1");
    meta.remove("traverse");
    meta.remove("order");
    Path old = dir.resolve("old.qvr");
    IndexFile.write(old, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    float[] q = TestData.baseAndQueries(34, 1, 1, 8, 1, false)[1][0];
    try (VectorIndex current = IndexFormats.open(file); VectorIndex opened = IndexFormats.open(old)) {
      assertArrayEquals(current.search(q, K).ids(), opened.search(q, K).ids());
    }
    meta.put("hnswFormat", "4");
    IndexFile.write(old, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    IOException e = assertThrows(IOException.class, () -> IndexFormats.open(old));
    assertTrue(e.getMessage().contains("hnsw body format 4, this build reads 1 to 3"), e.getMessage());
    meta.put("hnswFormat", "3");
    meta.put("order", "permuted");
    IndexFile.write(old, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    e = assertThrows(IOException.class, () -> IndexFormats.open(old));
    assertTrue(e.getMessage().contains("hnsw body is"), e.getMessage());
    meta.put("order", "random");
    IndexFile.write(old, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    e = assertThrows(IOException.class, () -> IndexFormats.open(old));
    assertTrue(e.getMessage().contains("order=random"), e.getMessage());
    meta.put("order", "input");
    meta.put("hnswFormat", "2");
    meta.put("traverse", "sq8");
    IndexFile.write(old, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    e = assertThrows(IOException.class, () -> IndexFormats.open(old));
    assertTrue(e.getMessage().contains("hnsw body is"), e.getMessage());
    meta.put("traverse", "pq");
    IndexFile.write(old, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    e = assertThrows(IOException.class, () -> IndexFormats.open(old));
    assertTrue(e.getMessage().contains("traverse=pq"), e.getMessage());
  }

  @Test
  void bodyOfTheWrongSizeIsRefusedEvenWithAValidChecksum() throws IOException {
    Path file = written();
    Map<String, String> meta;
    byte[] body;
    try (IndexFile f = IndexFile.open(file, true)) {
      meta = new java.util.LinkedHashMap<>(f.metadata());
      body = f.body().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
    meta.put("count", "1600");
    Path bad = dir.resolve("bad.qvr");
    IndexFile.write(bad, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    IOException e = assertThrows(IOException.class, () -> IndexFormats.open(bad));
    assertTrue(e.getMessage().contains("hnsw body is"), e.getMessage());
    meta.put("count", "1500");
    meta.put("entryNode", "1500");
    IndexFile.write(bad, meta, out -> out.write(java.lang.foreign.MemorySegment.ofArray(body)));
    e = assertThrows(IOException.class, () -> IndexFormats.open(bad));
    assertTrue(e.getMessage().contains("entry node 1500"), e.getMessage());
    assertTrue(Files.exists(file));
  }
}

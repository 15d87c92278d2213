package dev.quiver.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorFilesRoundTripTest {
  /** Shapes with dimension 1, odd dimensions, one row, and one file larger than the 1 MiB write block. */
  private static final int[][] SHAPES = {{1, 1}, {1, 7}, {5, 1}, {13, 3}, {31, 17}, {64, 64}, {9, 129}, {2100, 131}};

  @TempDir Path dir;

  private static void assertRows(float[][] expected, VectorStore store) {
    assertEquals(expected.length, store.size());
    assertEquals(expected[0].length, store.dimension());
    for (int r = 0; r < expected.length; r++) {
      assertArrayEquals(expected[r], store.get(r), "row " + r);
    }
  }

  private static VectorStore storeOf(float[][] rows) {
    VectorStore store = VectorStore.allocate(rows[0].length, 1);
    for (float[] row : rows) {
      store.add(row);
    }
    return store;
  }

  @Test
  void floatsRoundTripThroughFvecsAndNpy() throws IOException {
    Random random = new Random(11);
    for (String ext : new String[] {".fvecs", ".npy", ".FVECS"}) {
      for (int[] shape : SHAPES) {
        float[][] rows = RawFiles.randomFloats(random, shape[0], shape[1]);
        Path fromArray = dir.resolve("a" + shape[0] + "x" + shape[1] + ext);
        Path fromStore = dir.resolve("s" + shape[0] + "x" + shape[1] + ext);
        VectorFiles.writeFloats(fromArray, rows);
        try (VectorStore source = storeOf(rows)) {
          VectorFiles.writeFloats(fromStore, source);
        }
        for (Path p : new Path[] {fromArray, fromStore}) {
          try (VectorStore read = VectorFiles.readFloats(p)) {
            assertRows(rows, read);
          }
          assertEquals(shape[1], VectorFiles.dimension(p));
          assertEquals(shape[0], VectorFiles.rows(p));
        }
        assertArrayEquals(Files.readAllBytes(fromArray), Files.readAllBytes(fromStore));
      }
    }
  }

  @Test
  void fvecsWriterProducesTheDocumentedBytes() throws IOException {
    float[][] rows = RawFiles.randomFloats(new Random(12), 300, 5);
    Path p = dir.resolve("x.fvecs");
    VectorFiles.writeFloats(p, rows);
    assertArrayEquals(RawFiles.fvecs(rows), Files.readAllBytes(p));
  }

  @Test
  void npyWriterAlignsDataAndWritesVersionOne() throws IOException {
    float[][] rows = RawFiles.randomFloats(new Random(13), 3, 5);
    Path p = dir.resolve("x.npy");
    VectorFiles.writeFloats(p, rows);
    byte[] bytes = Files.readAllBytes(p);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1, bytes[6]);
    assertEquals(0, bytes[7]);
    int dataStart = 10 + Short.toUnsignedInt(b.getShort(8));
    assertEquals(0, dataStart % 64);
    assertEquals('\n', bytes[dataStart - 1]);
    String header = new String(bytes, 10, dataStart - 10, java.nio.charset.StandardCharsets.ISO_8859_1).strip();
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }", header);
    byte[] data = java.util.Arrays.copyOfRange(bytes, dataStart, bytes.length);
    assertArrayEquals(RawFiles.floatsLe(rows), data);
  }

  @Test
  void intsRoundTripThroughIvecsAndNpy() throws IOException {
    Random random = new Random(14);
    for (String ext : new String[] {".ivecs", ".npy"}) {
      for (int[] shape : SHAPES) {
        int[][] rows = RawFiles.randomInts(random, shape[0], shape[1]);
        Path p = dir.resolve(shape[0] + "x" + shape[1] + ext);
        VectorFiles.writeInts(p, rows);
        assertArrayEquals(rows, VectorFiles.readInts(p));
        assertEquals(shape[1], VectorFiles.dimension(p));
        assertEquals(shape[0], VectorFiles.rows(p));
      }
    }
  }

  @Test
  void bvecsWidensUnsignedBytes() throws IOException {
    Random random = new Random(15);
    for (int[] shape : SHAPES) {
      byte[][] rows = new byte[shape[0]][shape[1]];
      for (byte[] row : rows) {
        random.nextBytes(row);
      }
      rows[0][0] = (byte) 255;
      Path p = RawFiles.write(dir, shape[0] + "x" + shape[1] + ".bvecs", RawFiles.bvecs(rows));
      try (VectorStore read = VectorFiles.readFloats(p)) {
        assertEquals(shape[0], read.size());
        for (int r = 0; r < shape[0]; r++) {
          float[] got = read.get(r);
          for (int c = 0; c < shape[1]; c++) {
            assertEquals(rows[r][c] & 0xff, got[c]);
          }
        }
        assertEquals(255f, read.get(0)[0]);
      }
      assertEquals(shape[1], VectorFiles.dimension(p));
      assertEquals(shape[0], VectorFiles.rows(p));
    }
  }

  @Test
  void limitReadsALeadingPrefix() throws IOException {
    Random random = new Random(16);
    float[][] rows = RawFiles.randomFloats(random, 20, 9);
    byte[][] bytes = new byte[20][9];
    for (byte[] row : bytes) {
      random.nextBytes(row);
    }
    Path bvecs = RawFiles.write(dir, "x.bvecs", RawFiles.bvecs(bytes));
    for (String ext : new String[] {".fvecs", ".npy"}) {
      Path p = dir.resolve("x" + ext);
      VectorFiles.writeFloats(p, rows);
      for (int limit : new int[] {1, 7, 19, 20, 21, Integer.MAX_VALUE}) {
        try (VectorStore read = VectorFiles.readFloats(p, limit)) {
          assertRows(java.util.Arrays.copyOf(rows, Math.min(limit, rows.length)), read);
        }
        try (VectorStore read = VectorFiles.readFloats(bvecs, limit)) {
          assertEquals(Math.min(limit, 20), read.size());
          assertEquals(bytes[read.size() - 1][8] & 0xff, read.get(read.size() - 1)[8]);
        }
      }
    }
  }

  @Test
  void writersReplaceExistingFiles() throws IOException {
    Random random = new Random(17);
    Path p = dir.resolve("x.fvecs");
    VectorFiles.writeFloats(p, RawFiles.randomFloats(random, 50, 8));
    float[][] smaller = RawFiles.randomFloats(random, 2, 3);
    VectorFiles.writeFloats(p, smaller);
    try (VectorStore read = VectorFiles.readFloats(p)) {
      assertRows(smaller, read);
    }
  }
}

package dev.quiver.engine.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class VectorFilesErrorTest {
  private static final String NPY_F4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

  @TempDir Path dir;
  private final Random random = new Random(31);

  /** Asserts that {@code call} throws {@code type} with a message holding every fragment. */
  private static <T extends Exception> void assertFails(Class<T> type, Executable call, String... fragments) {
    T e = assertThrows(type, call);
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
  }

  private Path file(String name, byte[] bytes) throws IOException {
    return RawFiles.write(dir, name, bytes);
  }

  private Path npy(String name, String dict, byte[] data) throws IOException {
    return file(name, RawFiles.npy(1, dict, data));
  }

  private byte[] floats(int rows, int dimension) {
    return RawFiles.floatsLe(RawFiles.randomFloats(random, rows, dimension));
  }

  @Test
  void emptyFiles() throws IOException {
    for (String name : new String[] {"e.fvecs", "e.bvecs", "e.npy"}) {
      Path p = file(name, new byte[0]);
      assertFails(IOException.class, () -> VectorFiles.readFloats(p), p.toString(), "empty");
      assertFails(IOException.class, () -> VectorFiles.dimension(p), p.toString(), "empty");
    }
    Path p = file("e.ivecs", new byte[0]);
    assertFails(IOException.class, () -> VectorFiles.readInts(p), p.toString(), "empty");
  }

  @Test
  void missingFileIsNamed() {
    Path p = dir.resolve("missing.fvecs");
    assertFails(NoSuchFileException.class, () -> VectorFiles.readFloats(p), p.toString());
  }

  @Test
  void truncatedVecsFilesSayExpectedAndActualBytes() throws IOException {
    byte[] full = RawFiles.fvecs(RawFiles.randomFloats(random, 4, 6)); // rows of 28 bytes
    Path p = file("t.fvecs", Arrays.copyOf(full, full.length - 3));
    assertFails(IOException.class, () -> VectorFiles.readFloats(p), p.toString(), "truncated", "109 bytes",
        "28-byte rows (dimension 6)", "expected 84 or 112 bytes");
    assertFails(IOException.class, () -> VectorFiles.rows(p), "109 bytes");
    Path tiny = file("t.ivecs", new byte[] {4, 0});
    assertFails(IOException.class, () -> VectorFiles.readInts(tiny), tiny.toString(), "2 bytes");
    Path b = file("t.bvecs", Arrays.copyOf(RawFiles.bvecs(new byte[3][5]), 26));
    assertFails(IOException.class, () -> VectorFiles.readFloats(b), "26 bytes", "9-byte rows (dimension 5)");
  }

  @Test
  void inconsistentDimensionsNameTheRowAndBothDimensions() throws IOException {
    float[][] rows = RawFiles.randomFloats(random, 5, 4);
    // Row 3 claims 5 with 4 floats: the size stays a whole number of rows.
    Path sameSize = file("d.fvecs", RawFiles.fvecs(rows, 4, 4, 4, 5, 4));
    assertFails(IOException.class, () -> VectorFiles.readFloats(sameSize), sameSize.toString(),
        "row 3 has dimension 5, but row 0 has 4");
    // Row 2 really holds 3 floats: the size breaks, and the row is still the reported cause.
    rows[2] = Arrays.copyOf(rows[2], 3);
    Path ragged = file("r.fvecs", RawFiles.fvecs(rows));
    assertFails(IOException.class, () -> VectorFiles.readFloats(ragged), "row 2 has dimension 3, but row 0 has 4");
    assertFails(IOException.class, () -> VectorFiles.rows(ragged), "row 2 has dimension 3");
    ByteBuffer ints = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(2).putInt(7).putInt(8)
        .putInt(1).putInt(9).putInt(9);
    Path ivecs = file("d.ivecs", ints.array());
    assertFails(IOException.class, () -> VectorFiles.readInts(ivecs), "row 1 has dimension 1, but row 0 has 2");
  }

  @Test
  void dimensionsOutOfRange() throws IOException {
    for (int dim : new int[] {0, -3, VectorFiles.MAX_DIMENSION + 1, 1_000_000_000}) {
      byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(dim).putInt(0).array();
      Path p = file("dim" + dim + ".fvecs", bytes);
      assertFails(IOException.class, () -> VectorFiles.readFloats(p), p.toString(), "dimension " + dim,
          "[1, " + VectorFiles.MAX_DIMENSION + "]");
    }
    Path zeroColumns = npy("z.npy", NPY_F4.replace("(2, 3)", "(2, 0)"), new byte[0]);
    assertFails(IOException.class, () -> VectorFiles.readFloats(zeroColumns), "dimension 0");
  }

  @Test
  void nonFiniteFloatsNameRowAndComponent() throws IOException {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      float[][] rows = RawFiles.randomFloats(random, 6, 5);
      rows[4][3] = bad;
      Path fvecs = file("nan.fvecs", RawFiles.fvecs(rows));
      assertFails(IOException.class, () -> VectorFiles.readFloats(fvecs), fvecs.toString(),
          "row 4 has a non-finite component at index 3: " + bad);
      Path npy = npy("nan.npy", NPY_F4.replace("(2, 3)", "(6, 5)"), RawFiles.floatsLe(rows));
      assertFails(IOException.class, () -> VectorFiles.readFloats(npy), npy.toString(),
          "row 4 has a non-finite component at index 3: " + bad);
      // A limit that stops before the bad row reads cleanly.
      VectorFiles.readFloats(fvecs, 4).close();
      VectorFiles.readFloats(npy, 4).close();
    }
  }

  @Test
  void extensionsAreCheckedPerOperation() throws IOException {
    Path txt = file("v.txt", new byte[8]);
    assertFails(IllegalArgumentException.class, () -> VectorFiles.readFloats(txt), "unknown vector file extension",
        txt.toString(), ".fvecs");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.rows(txt), txt.toString());
    Path ivecs = file("v.ivecs", new byte[8]);
    assertFails(IllegalArgumentException.class, () -> VectorFiles.readFloats(ivecs), "cannot read floats from",
        "not .ivecs");
    Path fvecs = dir.resolve("v.fvecs");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.readInts(fvecs), "not .fvecs");
    assertFails(IllegalArgumentException.class,
        () -> VectorFiles.writeFloats(dir.resolve("w.bvecs"), new float[][] {{1}}), "not .bvecs");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.writeInts(fvecs, new int[][] {{1}}), "not .fvecs");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.readFloats(fvecs, 0), "limit", "got 0");
  }

  @Test
  void badNpyMagicVersionAndHeader() throws IOException {
    byte[] good = RawFiles.npy(1, NPY_F4, floats(2, 3));
    byte[] magic = good.clone();
    magic[1] = 'X';
    Path p = file("m.npy", magic);
    assertFails(IOException.class, () -> VectorFiles.readFloats(p), p.toString(), "magic");
    byte[] version = good.clone();
    version[6] = 4;
    Path v = file("v.npy", version);
    assertFails(IOException.class, () -> VectorFiles.readFloats(v), "version 4.0");
    Path header = npy("h.npy", NPY_F4.replace("'fortran_order'", "'order'"), floats(2, 3));
    assertFails(IOException.class, () -> VectorFiles.readFloats(header), header.toString(), "bad .npy header",
        "unknown key 'order'");
    byte[] longHeader = good.clone();
    longHeader[8] = (byte) 0xff;
    longHeader[9] = (byte) 0x7f;
    Path l = file("l.npy", longHeader);
    assertFails(IOException.class, () -> VectorFiles.readFloats(l), "header length 32767");
  }

  @Test
  void badNpyDescrShapeOrderAndSize() throws IOException {
    Path f2 = npy("f2.npy", NPY_F4.replace("<f4", "<f2"), new byte[12]);
    assertFails(IOException.class, () -> VectorFiles.readFloats(f2), f2.toString(), "dtype '<f2'", "<f4");
    Path be = npy("be.npy", NPY_F4.replace("<f4", ">f4"), floats(2, 3));
    assertFails(IOException.class, () -> VectorFiles.readFloats(be), "dtype '>f4'");
    Path f4AsInts = npy("f4.npy", NPY_F4, floats(2, 3));
    assertFails(IOException.class, () -> VectorFiles.readInts(f4AsInts), "dtype '<f4'", "<i4");
    Path oneD = npy("1d.npy", NPY_F4.replace("(2, 3)", "(6,)"), floats(2, 3));
    assertFails(IOException.class, () -> VectorFiles.readFloats(oneD), "shape (6,) is 1-D", "2-D");
    Path threeD = npy("3d.npy", NPY_F4.replace("(2, 3)", "(1, 2, 3)"), floats(2, 3));
    assertFails(IOException.class, () -> VectorFiles.readFloats(threeD), "shape (1, 2, 3) is 3-D");
    Path fortran = npy("f.npy", NPY_F4.replace("False", "True"), floats(2, 3));
    assertFails(IOException.class, () -> VectorFiles.readFloats(fortran), fortran.toString(), "Fortran");
    Path noRows = npy("0.npy", NPY_F4.replace("(2, 3)", "(0, 3)"), new byte[0]);
    assertFails(IOException.class, () -> VectorFiles.readFloats(noRows), "no rows", "(0, 3)");
    Path shortData = npy("s.npy", NPY_F4, Arrays.copyOf(floats(2, 3), 20));
    assertFails(IOException.class, () -> VectorFiles.readFloats(shortData), shortData.toString(), "truncated",
        "needs 24 bytes", "has 20");
    Path longData = npy("x.npy", NPY_F4, Arrays.copyOf(floats(2, 3), 28));
    assertFails(IOException.class, () -> VectorFiles.rows(longData), "trailing bytes", "needs 24 bytes", "has 28");
    ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(1L << 40);
    Path i8 = npy("i8.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", big.array());
    assertFails(IOException.class, () -> VectorFiles.readInts(i8), "row 0 column 1 holds 1099511627776");
  }

  @Test
  void badArraysToWrite() throws IOException {
    Path p = dir.resolve("w.fvecs");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.writeFloats(p, new float[0][]), p.toString(),
        "no rows");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.writeFloats(p, new float[][] {{1, 2}, {3}}),
        "row 1 has dimension 1, expected 2");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.writeFloats(p, new float[][] {{1}, null}),
        "row 1", "null");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.writeFloats(p, new float[][] {{}}),
        "dimension 0");
    assertFails(IllegalArgumentException.class,
        () -> VectorFiles.writeFloats(p, new float[][] {{1, 2}, {3, Float.NaN}}),
        "row 1 has a non-finite component at index 1: NaN");
    Path ints = dir.resolve("w.ivecs");
    assertFails(IllegalArgumentException.class, () -> VectorFiles.writeInts(ints, new int[][] {{1, 2}, {3, 4, 5}}),
        ints.toString(), "row 1 has dimension 3, expected 2");
    try (var empty = dev.quiver.engine.VectorStore.allocate(3, 0)) {
      assertFails(IllegalArgumentException.class, () -> VectorFiles.writeFloats(p, empty), "empty");
    }
    assertTrue(Files.notExists(p) && Files.notExists(ints), "rejected writes must not create files");
  }
}

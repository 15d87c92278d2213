package dev.quiver.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path dir;

  @Test
  void readsHandBuiltHeadersOfEveryVersionAndSpelling() throws IOException {
    float[][] rows = RawFiles.randomFloats(new Random(21), 4, 3);
    String[] dicts = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }",
      "{'shape': (4, 3), 'fortran_order': False, 'descr': '<f4'}",
      "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(4L,3L)}   ",
      "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 4 , 3 , ) , }",
    };
    int file = 0;
    for (int major = 1; major <= 3; major++) {
      for (String dict : dicts) {
        Path p = RawFiles.write(dir, "h" + file++ + ".npy", RawFiles.npy(major, dict, RawFiles.floatsLe(rows)));
        try (VectorStore read = VectorFiles.readFloats(p)) {
          assertEquals(4, read.size());
          for (int r = 0; r < 4; r++) {
            assertArrayEquals(rows[r], read.get(r), dict);
          }
        }
      }
    }
  }

  @Test
  void narrowsFloat64RowsAndRefusesValuesBeyondFloatRange() throws IOException {
    double[] values = {0.1, -2.5, 1e-3, 3.0e38, -7.25, 1.0 / 3};
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    Path p = RawFiles.write(dir, "f8.npy", RawFiles.npy(1, dict, doublesLe(values)));
    try (var store = VectorFiles.readFloats(p)) {
      for (int i = 0; i < values.length; i++) {
        assertEquals((float) values[i], store.get(i / 3)[i % 3]);
      }
    }
    values[4] = 1e300;
    Path big = RawFiles.write(dir, "big.npy", RawFiles.npy(1, dict, doublesLe(values)));
    IOException e = assertThrows(IOException.class, () -> VectorFiles.readFloats(big));
    assertTrue(e.getMessage().contains("big.npy") && e.getMessage().contains("row 1")
        && e.getMessage().contains("Infinity"), e.getMessage());
  }

  private static byte[] doublesLe(double[] values) {
    ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      data.putDouble(v);
    }
    return data.array();
  }

  @Test
  void readsInt64GroundTruthThatFitsInInt32() throws IOException {
    long[] values = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 123456789};
    ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      data.putLong(v);
    }
    String dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }";
    Path p = RawFiles.write(dir, "gt.npy", RawFiles.npy(1, dict, data.array()));
    int[][] read = VectorFiles.readInts(p);
    assertArrayEquals(new int[] {0, 1, -1}, read[0]);
    assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 123456789}, read[1]);
  }

  @Test
  void parserNamesWhatItRejects() {
    String[][] cases = {
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), 'extra': 1}", "unknown key 'extra'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)}", "duplicate key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (1, 2)}", "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2)}", "expected a non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [1, 2]}", "expected '('"},
      {"{'descr': <f4, 'fortran_order': False, 'shape': (1, 2)}", "expected a quoted string"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (1, 2)}", "expected ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)} x", "unexpected text after the dictionary"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2)", "unexpected end of header"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyHeader.parse(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), () -> e.getMessage() + " lacks " + c[1]);
    }
    NpyHeader h = NpyHeader.parse("{'descr': '|u1', 'fortran_order': True, 'shape': (7,), }");
    assertEquals("|u1", h.descr());
    assertTrue(h.fortranOrder());
    assertArrayEquals(new long[] {7}, h.shape());
    assertEquals("(7,)", h.shapeText());
    assertFalse(NpyHeader.parse("{'descr':'<f4','fortran_order':False,'shape':()}").fortranOrder());
  }

  private static boolean numpyAvailable() {
    try {
      Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy").redirectErrorStream(true).start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void python(String script, Path... args) throws IOException, InterruptedException {
    String[] command = new String[3 + args.length];
    command[0] = "/usr/bin/python3";
    command[1] = "-c";
    command[2] = script;
    for (int i = 0; i < args.length; i++) {
      command[3 + i] = args[i].toString();
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python timed out");
    assertEquals(0, p.exitValue(), output);
  }

  /**
   * numpy reads what we write and we read what numpy writes: numpy loads our float32 file, checks
   * its dtype and shape, and saves twice its values (exact in float32) as versions 1.0, 2.0 and
   * 3.0, plus our int32 file's values as int64; we read all of them back.
   */
  @Test
  void interoperatesWithNumpy() throws Exception {
    assumeTrue(numpyAvailable(), "numpy is not installed for /usr/bin/python3");
    Random random = new Random(22);
    float[][] rows = RawFiles.randomFloats(random, 37, 19);
    int[][] ints = RawFiles.randomInts(random, 11, 5);
    Path ours = dir.resolve("ours.npy");
    Path oursInts = dir.resolve("ours-ints.npy");
    VectorFiles.writeFloats(ours, rows);
    VectorFiles.writeInts(oursInts, ints);
    python("""
        import sys, numpy as np
        from numpy.lib import format as f
        a = np.load(sys.argv[1])
        assert a.dtype == np.float32 and a.shape == (37, 19) and a.flags.c_contiguous, (a.dtype, a.shape)
        for i, v in enumerate([(1, 0), (2, 0), (3, 0)]):
            with open(sys.argv[3 + i], 'wb') as out:
                f.write_array(out, a * 2, version=v)
        b = np.load(sys.argv[2])
        assert b.dtype == np.int32 and b.shape == (11, 5), (b.dtype, b.shape)
        np.save(sys.argv[6], b.astype(np.int64))
        np.save(sys.argv[7], np.asfortranarray(a * 2))
        """, ours, oursInts, dir.resolve("v1.npy"), dir.resolve("v2.npy"), dir.resolve("v3.npy"),
        dir.resolve("i8.npy"), dir.resolve("fortran.npy"));
    for (String name : new String[] {"v1.npy", "v2.npy", "v3.npy"}) {
      try (VectorStore read = VectorFiles.readFloats(dir.resolve(name))) {
        assertEquals(rows.length, read.size());
        for (int r = 0; r < rows.length; r++) {
          float[] got = read.get(r);
          for (int c = 0; c < rows[r].length; c++) {
            assertEquals(2 * rows[r][c], got[c], name + " row " + r);
          }
        }
      }
    }
    assertArrayEquals(ints, VectorFiles.readInts(dir.resolve("i8.npy")));
    IOException e = assertThrows(IOException.class, () -> VectorFiles.readFloats(dir.resolve("fortran.npy")));
    assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
  }
}

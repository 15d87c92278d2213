package dev.quiver.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Builds vector files byte by byte, independently of the code under test. */
final class RawFiles {
  private RawFiles() {}

  static float[][] randomFloats(Random random, int rows, int dimension) {
    float[][] v = new float[rows][dimension];
    for (float[] row : v) {
      for (int c = 0; c < dimension; c++) {
        row[c] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
      }
    }
    return v;
  }

  static int[][] randomInts(Random random, int rows, int dimension) {
    int[][] v = new int[rows][dimension];
    for (int[] row : v) {
      for (int c = 0; c < dimension; c++) {
        row[c] = random.nextInt(4) == 0 ? (random.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE) : random.nextInt();
      }
    }
    return v;
  }

  /** .fvecs bytes; {@code dims[r]} is the dimension written in row r's header. */
  static byte[] fvecs(float[][] rows, int... dims) {
    int bytes = 0;
    for (float[] row : rows) {
      bytes += 4 + 4 * row.length;
    }
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows.length; r++) {
      b.putInt(dims.length > 0 ? dims[r] : rows[r].length);
      for (float x : rows[r]) {
        b.putFloat(x);
      }
    }
    return b.array();
  }

  static byte[] bvecs(byte[][] rows) {
    ByteBuffer b = ByteBuffer.allocate(rows.length * (4 + rows[0].length)).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] row : rows) {
      b.putInt(row.length).put(row);
    }
    return b.array();
  }

  /** An .npy file of the given version whose header is exactly {@code dict} plus padding. */
  static byte[] npy(int major, String dict, byte[] data) {
    byte[] header = (dict + "\n").getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    int lengthBytes = major == 1 ? 2 : 4;
    ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
    if (major == 1) {
      b.putShort((short) header.length);
    } else {
      b.putInt(header.length);
    }
    return b.put(header).put(data).array();
  }

  static byte[] floatsLe(float[][] rows) {
    ByteBuffer b = ByteBuffer.allocate(rows.length * rows[0].length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      for (float x : row) {
        b.putFloat(x);
      }
    }
    return b.array();
  }

  static Path write(Path dir, String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }
}

package dev.quiver.engine.io;

import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * NumPy .npy files holding one 2-D C-order array: the magic {@code \x93NUMPY}, a version, a
 * little-endian header length, a Python dict header (see {@link NpyHeader}), then the raw
 * elements. Reads versions 1.0, 2.0 and 3.0; writes 1.0 with the header padded so the data starts
 * on a 64-byte boundary, as numpy itself does.
 */
final class Npy {
  static final String FLOAT32 = "<f4";
  /** numpy's default float type: accepted and narrowed to float32 on read. */
  static final String FLOAT64 = "<f8";
  static final String INT32 = "<i4";
  static final String INT64 = "<i8";

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int DATA_ALIGNMENT = 64;
  private static final long MAX_HEADER_BYTES = 1 << 20;
  private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble DOUBLE_LE =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Npy() {}

  /** A validated header: element type, 2-D shape, and where the elements start. */
  record Layout(String descr, int rows, int columns, long dataOffset) {}

  /**
   * Parses and checks the header of {@code file}: its descr must be one of {@code accepted}, its
   * shape 2-D with at least one row and column, and the file must hold exactly its elements.
   */
  static Layout layout(MappedFile file, List<String> accepted) throws IOException {
    Path path = file.path();
    MemorySegment s = file.segment();
    if (s.byteSize() < MAGIC.length
        || MemorySegment.mismatch(s, 0, MAGIC.length, MemorySegment.ofArray(MAGIC), 0, MAGIC.length) >= 0) {
      throw new IOException(path + ": not an .npy file: it does not start with the magic \\x93NUMPY");
    }
    if (s.byteSize() < MAGIC.length + 2 + Integer.BYTES) {
      throw new IOException(path + ": truncated: " + s.byteSize() + " bytes cannot hold an .npy header");
    }
    int major = s.get(ValueLayout.JAVA_BYTE, 6);
    int minor = s.get(ValueLayout.JAVA_BYTE, 7);
    int lengthBytes = switch (major) {
      case 1 -> Short.BYTES;
      case 2, 3 -> Integer.BYTES;
      default -> throw new IOException(path + ": unsupported .npy version " + major + "." + minor
          + "; expected 1.0, 2.0 or 3.0");
    };
    long headerStart = 8 + lengthBytes;
    long headerBytes = lengthBytes == Short.BYTES
        ? Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8))
        : Integer.toUnsignedLong(s.get(Vecs.INT_LE, 8));
    if (headerBytes > MAX_HEADER_BYTES || headerStart + headerBytes > s.byteSize()) {
      throw new IOException(path + ": truncated or corrupt: header length " + headerBytes + " exceeds the file's "
          + s.byteSize() + " bytes");
    }
    byte[] raw = s.asSlice(headerStart, headerBytes).toArray(ValueLayout.JAVA_BYTE);
    String text = new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    NpyHeader header;
    try {
      header = NpyHeader.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(path + ": bad .npy header: " + e.getMessage(), e);
    }
    return check(file, header, accepted, headerStart + headerBytes);
  }

  private static Layout check(MappedFile file, NpyHeader header, List<String> accepted, long dataOffset)
      throws IOException {
    Path path = file.path();
    if (!accepted.contains(header.descr())) {
      throw new IOException(path + ": unsupported .npy dtype '" + header.descr() + "'; expected one of " + accepted);
    }
    if (header.fortranOrder()) {
      throw new IOException(path + ": .npy array is in Fortran (column-major) order; save a C-order array"
          + " (numpy.ascontiguousarray)");
    }
    long[] shape = header.shape();
    if (shape.length != 2) {
      throw new IOException(path + ": .npy shape " + header.shapeText() + " is " + shape.length
          + "-D; expected a 2-D array (rows, dimension)");
    }
    if (shape[0] == 0) {
      throw new IOException(path + ": .npy array has no rows (shape " + header.shapeText() + ")");
    }
    if (shape[0] > Integer.MAX_VALUE) {
      throw new IOException(path + ": " + shape[0] + " rows is more than the " + Integer.MAX_VALUE + " supported");
    }
    VectorFiles.checkDimension(path, "shape " + header.shapeText(), shape[1]);
    long expected = shape[0] * shape[1] * Integer.parseInt(header.descr().substring(2));
    long actual = file.size() - dataOffset;
    if (actual != expected) {
      throw new IOException(path + ": " + (actual < expected ? "truncated" : "trailing bytes") + ": shape "
          + header.shapeText() + " of " + header.descr() + " needs " + expected + " bytes of data, the file has "
          + actual);
    }
    return new Layout(header.descr(), (int) shape[0], (int) shape[1], dataOffset);
  }

  static VectorStore readFloats(MappedFile file, int limit) throws IOException {
    Layout layout = layout(file, List.of(FLOAT32, FLOAT64));
    int rows = Math.min(layout.rows(), limit);
    VectorStore store = VectorStore.allocate(layout.columns(), rows);
    try {
      if (layout.descr().equals(FLOAT32)) {
        store.appendRows(file.segment(), layout.dataOffset(), rows, ByteOrder.LITTLE_ENDIAN);
      } else {
        appendNarrowed(file.segment(), layout, rows, store);
      }
      return store;
    } catch (IllegalArgumentException e) {
      store.close();
      throw new IOException(file.path() + ": " + e.getMessage(), e);
    }
  }

  /** Float64 rows narrowed to float32; a value beyond float range becomes infinite and is refused. */
  private static void appendNarrowed(MemorySegment s, Layout layout, int rows, VectorStore store) {
    float[] row = new float[layout.columns()];
    long offset = layout.dataOffset();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < row.length; c++, offset += Double.BYTES) {
        row[c] = (float) s.get(DOUBLE_LE, offset);
      }
      try {
        store.add(row);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("row " + r + ": " + e.getMessage(), e);
      }
    }
  }

  static int[][] readInts(MappedFile file) throws IOException {
    Layout layout = layout(file, List.of(INT32, INT64));
    int[][] rows = new int[layout.rows()][layout.columns()];
    MemorySegment s = file.segment();
    long offset = layout.dataOffset();
    for (int r = 0; r < rows.length; r++) {
      if (layout.descr().equals(INT32)) {
        MemorySegment.copy(s, Vecs.INT_LE, offset, rows[r], 0, layout.columns());
        offset += (long) layout.columns() * Integer.BYTES;
        continue;
      }
      for (int c = 0; c < layout.columns(); c++, offset += Long.BYTES) {
        long value = s.get(LONG_LE, offset);
        if (value != (int) value) {
          throw new IOException(file.path() + ": row " + r + " column " + c + " holds " + value
              + ", which does not fit in int32");
        }
        rows[r][c] = (int) value;
      }
    }
    return rows;
  }

  static void write(Path path, VectorStore store) throws IOException {
    try (BlockWriter out = BlockWriter.create(path)) {
      writeHeader(out, FLOAT32, store.size(), store.dimension());
      out.putFloats(store.segment(), 0, (long) store.size() * store.dimension(), ByteOrder.nativeOrder());
    }
  }

  static void write(Path path, float[][] rows) throws IOException {
    try (BlockWriter out = BlockWriter.create(path)) {
      writeHeader(out, FLOAT32, rows.length, rows[0].length);
      for (float[] row : rows) {
        out.putFloats(row);
      }
    }
  }

  static void write(Path path, int[][] rows) throws IOException {
    try (BlockWriter out = BlockWriter.create(path)) {
      writeHeader(out, INT32, rows.length, rows[0].length);
      for (int[] row : rows) {
        out.putInts(row);
      }
    }
  }

  /** Version 1.0 header, space-padded and newline-terminated so the data is 64-byte aligned. */
  private static void writeHeader(BlockWriter out, String descr, int rows, int columns) throws IOException {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + rows + ", " + columns + "), }";
    int prefix = MAGIC.length + 2 + Short.BYTES;
    int unpadded = prefix + dict.length() + 1;
    int padded = (unpadded + DATA_ALIGNMENT - 1) / DATA_ALIGNMENT * DATA_ALIGNMENT;
    String header = dict + " ".repeat(padded - unpadded) + "\n";
    out.putBytes(MAGIC);
    out.putBytes(new byte[] {1, 0});
    out.putShort((short) header.length());
    out.putBytes(header.getBytes(StandardCharsets.ISO_8859_1));
  }
}

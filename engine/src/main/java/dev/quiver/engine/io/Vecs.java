package dev.quiver.engine.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The row layout shared by .fvecs, .ivecs and .bvecs (the TEXMEX corpus formats): each row is a
 * little-endian int32 dimension followed by that many elements of a fixed width (float32, int32
 * or uint8). There is no file header, so the row count follows from the file size, and every row
 * must repeat the first row's dimension.
 */
final class Vecs {
  static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MappedFile file;
  final int dimension;
  final long rowBytes;
  final long rows;

  private Vecs(MappedFile file, int dimension, long rowBytes, long rows) {
    this.file = file;
    this.dimension = dimension;
    this.rowBytes = rowBytes;
    this.rows = rows;
  }

  /**
   * Reads the first row's dimension and checks that the file holds whole rows; touches only the
   * first page unless the file is malformed.
   */
  static Vecs of(MappedFile file, int elementBytes) throws IOException {
    long size = file.size();
    if (size < Integer.BYTES) {
      throw new IOException(file.path() + ": truncated: " + size + " bytes cannot hold the 4-byte dimension of row 0");
    }
    int dimension = file.segment().get(INT_LE, 0);
    VectorFiles.checkDimension(file.path(), "row 0", dimension);
    long rowBytes = Integer.BYTES + (long) dimension * elementBytes;
    Vecs vecs = new Vecs(file, dimension, rowBytes, size / rowBytes);
    if (size % rowBytes != 0) {
      // A row of another dimension also breaks the size; name it when it is the cause.
      for (long r = 0; r < vecs.rows; r++) {
        vecs.elementsOffset(r);
      }
      throw new IOException(file.path() + ": truncated or corrupt: " + size + " bytes is not a whole number of "
          + rowBytes + "-byte rows (dimension " + dimension + "); expected " + vecs.rows * rowBytes + " or "
          + (vecs.rows + 1) * rowBytes + " bytes");
    }
    if (vecs.rows > Integer.MAX_VALUE) {
      throw new IOException(file.path() + ": " + vecs.rows + " rows is more than the " + Integer.MAX_VALUE + " supported");
    }
    return vecs;
  }

  MemorySegment segment() {
    return file.segment();
  }

  /** The first {@code limit} rows, or all when the file holds fewer. */
  int rowsToRead(int limit) {
    return (int) Math.min(rows, limit);
  }

  /** Byte offset of row {@code row}'s elements, after checking that its dimension is row 0's. */
  long elementsOffset(long row) throws IOException {
    long offset = row * rowBytes;
    int found = file.segment().get(INT_LE, offset);
    if (found != dimension) {
      throw new IOException(file.path() + ": row " + row + " has dimension " + found + ", but row 0 has " + dimension);
    }
    return offset + Integer.BYTES;
  }
}

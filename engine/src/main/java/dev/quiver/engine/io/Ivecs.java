package dev.quiver.engine.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** .ivecs: per row a little-endian int32 dimension, then that many little-endian int32. */
final class Ivecs {
  private Ivecs() {}

  static int[][] read(MappedFile file) throws IOException {
    Vecs vecs = Vecs.of(file, Integer.BYTES);
    int[][] rows = new int[(int) vecs.rows][];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = new int[vecs.dimension];
      MemorySegment.copy(vecs.segment(), Vecs.INT_LE, vecs.elementsOffset(r), rows[r], 0, vecs.dimension);
    }
    return rows;
  }

  static void write(Path path, int[][] rows) throws IOException {
    try (BlockWriter out = BlockWriter.create(path)) {
      for (int[] row : rows) {
        out.putInt(row.length);
        out.putInts(row);
      }
    }
  }
}

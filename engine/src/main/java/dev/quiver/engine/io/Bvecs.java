package dev.quiver.engine.io;

import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * .bvecs (e.g. SIFT1B): per row a little-endian int32 dimension, then that many unsigned bytes,
 * widened to float32 (0..255) on read.
 */
final class Bvecs {
  private Bvecs() {}

  static VectorStore read(MappedFile file, int limit) throws IOException {
    Vecs vecs = Vecs.of(file, Byte.BYTES);
    int rows = vecs.rowsToRead(limit);
    byte[] bytes = new byte[vecs.dimension];
    float[] row = new float[vecs.dimension];
    VectorStore store = VectorStore.allocate(vecs.dimension, rows);
    try {
      for (int r = 0; r < rows; r++) {
        MemorySegment.copy(vecs.segment(), ValueLayout.JAVA_BYTE, vecs.elementsOffset(r), bytes, 0, bytes.length);
        for (int i = 0; i < bytes.length; i++) {
          row[i] = Byte.toUnsignedInt(bytes[i]);
        }
        store.add(row);
      }
      return store;
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }
}

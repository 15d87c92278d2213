package dev.quiver.engine.io;

import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** .fvecs: per row a little-endian int32 dimension, then that many little-endian float32. */
final class Fvecs {
  private Fvecs() {}

  static VectorStore read(MappedFile file, int limit) throws IOException {
    Vecs vecs = Vecs.of(file, Float.BYTES);
    int rows = vecs.rowsToRead(limit);
    VectorStore store = VectorStore.allocate(vecs.dimension, rows);
    try {
      for (int r = 0; r < rows; r++) {
        store.appendRows(vecs.segment(), vecs.elementsOffset(r), 1, ByteOrder.LITTLE_ENDIAN);
      }
      return store;
    } catch (IllegalArgumentException e) {
      store.close();
      throw new IOException(file.path() + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  static void write(Path path, VectorStore store) throws IOException {
    try (BlockWriter out = BlockWriter.create(path)) {
      for (int r = 0; r < store.size(); r++) {
        out.putInt(store.dimension());
        out.putFloats(store.segment(), store.offset(r), store.dimension(), ByteOrder.nativeOrder());
      }
    }
  }

  static void write(Path path, float[][] rows) throws IOException {
    try (BlockWriter out = BlockWriter.create(path)) {
      for (float[] row : rows) {
        out.putInt(row.length);
        out.putFloats(row);
      }
    }
  }
}

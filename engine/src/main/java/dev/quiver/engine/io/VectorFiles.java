package dev.quiver.engine.io;

import dev.quiver.engine.Checks;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads and writes vector files, choosing the format by extension:
 *
 * <ul>
 *   <li>{@code .fvecs}: per row a little-endian int32 dimension, then that many float32;
 *   <li>{@code .ivecs}: the same with int32 elements (ground truth);
 *   <li>{@code .bvecs}: the same with uint8 elements, widened to float on read;
 *   <li>{@code .npy}: a 2-D C-order NumPy array of {@code <f4} (vectors) or {@code <i4} /
 *       {@code <i8} (ground truth; int64 values must fit in int32).
 * </ul>
 *
 * <p>Readers map the file and copy rows in bulk, and reject malformed input with an
 * {@link IOException} naming the file and the bad value: an empty or truncated file, rows of
 * differing dimension, a dimension outside [1, {@value #MAX_DIMENSION}], a non-finite float, or a
 * bad .npy header. Arguments the caller controls (an unknown extension, a ragged or non-finite
 * array to write) get an {@link IllegalArgumentException}. Writers create or replace the file.
 *
 * <p>Stateless and thread-safe; every call opens and closes its own file.
 */
public final class VectorFiles {
  /** Largest dimension accepted; a bigger leading int almost always means a file of another format. */
  public static final int MAX_DIMENSION = 1 << 16;

  private enum Format {
    FVECS, IVECS, BVECS, NPY;

    final String extension = "." + name().toLowerCase(Locale.ROOT);
  }

  private VectorFiles() {}

  /** All rows of a .fvecs, .bvecs or .npy file, in a new store the caller closes. */
  public static VectorStore readFloats(Path path) throws IOException {
    return readFloats(path, Integer.MAX_VALUE);
  }

  /** The first {@code limit} rows (all of them when the file holds fewer) of a float file. */
  public static VectorStore readFloats(Path path, int limit) throws IOException {
    Checks.positive("limit", limit);
    Format format = format(path, "read floats from", EnumSet.of(Format.FVECS, Format.BVECS, Format.NPY));
    try (MappedFile file = MappedFile.open(path)) {
      return switch (format) {
        case FVECS -> Fvecs.read(file, limit);
        case BVECS -> Bvecs.read(file, limit);
        default -> Npy.readFloats(file, limit);
      };
    }
  }

  /** All rows of a .ivecs or integer .npy file, e.g. ground-truth neighbour ordinals. */
  public static int[][] readInts(Path path) throws IOException {
    Format format = format(path, "read ints from", EnumSet.of(Format.IVECS, Format.NPY));
    try (MappedFile file = MappedFile.open(path)) {
      return format == Format.IVECS ? Ivecs.read(file) : Npy.readInts(file);
    }
  }

  /** Writes the rows of {@code store} as .fvecs or float32 .npy. */
  public static void writeFloats(Path path, VectorStore store) throws IOException {
    Format format = format(path, "write floats to", EnumSet.of(Format.FVECS, Format.NPY));
    if (store.size() == 0) {
      throw new IllegalArgumentException(path + ": no rows to write, the store is empty");
    }
    requireDimension(path, store.dimension());
    if (format == Format.FVECS) {
      Fvecs.write(path, store);
    } else {
      Npy.write(path, store);
    }
  }

  /** Writes {@code rows} (non-empty, rectangular, finite) as .fvecs or float32 .npy. */
  public static void writeFloats(Path path, float[][] rows) throws IOException {
    Format format = format(path, "write floats to", EnumSet.of(Format.FVECS, Format.NPY));
    requireRows(path, rows);
    requireDimension(path, rows[0].length);
    try {
      for (int r = 0; r < rows.length; r++) {
        Checks.vector(rows[r], rows[0].length, "row " + r);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
    if (format == Format.FVECS) {
      Fvecs.write(path, rows);
    } else {
      Npy.write(path, rows);
    }
  }

  /** Writes {@code rows} (non-empty, rectangular) as .ivecs or int32 .npy. */
  public static void writeInts(Path path, int[][] rows) throws IOException {
    Format format = format(path, "write ints to", EnumSet.of(Format.IVECS, Format.NPY));
    requireRows(path, rows);
    requireDimension(path, rows[0].length);
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != rows[0].length) {
        throw new IllegalArgumentException(path + ": row " + r + " has dimension " + rows[r].length + ", expected "
            + rows[0].length);
      }
    }
    if (format == Format.IVECS) {
      Ivecs.write(path, rows);
    } else {
      Npy.write(path, rows);
    }
  }

  /** The dimension of the rows in a vector file, read from its header. */
  public static int dimension(Path path) throws IOException {
    Format format = format(path, "read", EnumSet.allOf(Format.class));
    try (MappedFile file = MappedFile.open(path)) {
      return switch (format) {
        case FVECS, IVECS -> Vecs.of(file, Integer.BYTES).dimension;
        case BVECS -> Vecs.of(file, Byte.BYTES).dimension;
        case NPY -> Npy.layout(file, List.of(Npy.FLOAT32, Npy.INT32, Npy.INT64)).columns();
      };
    }
  }

  /** The number of rows in a vector file, from its header or its size; reads no row data. */
  public static long rows(Path path) throws IOException {
    Format format = format(path, "read", EnumSet.allOf(Format.class));
    try (MappedFile file = MappedFile.open(path)) {
      return switch (format) {
        case FVECS, IVECS -> Vecs.of(file, Integer.BYTES).rows;
        case BVECS -> Vecs.of(file, Byte.BYTES).rows;
        case NPY -> Npy.layout(file, List.of(Npy.FLOAT32, Npy.INT32, Npy.INT64)).rows();
      };
    }
  }

  /** Rejects a dimension read from a file that is outside [1, MAX_DIMENSION]. */
  static void checkDimension(Path path, String where, long dimension) throws IOException {
    if (dimension < 1 || dimension > MAX_DIMENSION) {
      throw new IOException(path + ": dimension " + dimension + " in " + where + " is outside [1, " + MAX_DIMENSION
          + "]");
    }
  }

  private static void requireDimension(Path path, int dimension) {
    if (dimension < 1 || dimension > MAX_DIMENSION) {
      throw new IllegalArgumentException(path + ": cannot write dimension " + dimension + ", outside [1, "
          + MAX_DIMENSION + "]");
    }
  }

  private static void requireRows(Path path, Object[] rows) {
    if (rows == null || rows.length == 0) {
      throw new IllegalArgumentException(path + ": no rows to write");
    }
    for (int r = 0; r < rows.length; r++) {
      if (rows[r] == null) {
        throw new IllegalArgumentException(path + ": row " + r + " to write is null");
      }
    }
  }

  private static Format format(Path path, String action, Set<Format> allowed) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    for (Format f : allowed) {
      if (name.endsWith(f.extension)) {
        return f;
      }
    }
    for (Format f : Format.values()) {
      if (name.endsWith(f.extension)) {
        throw new IllegalArgumentException("cannot " + action + " " + path + ": expected one of " + extensions(allowed)
            + ", not " + f.extension);
      }
    }
    throw new IllegalArgumentException("unknown vector file extension: " + path + "; expected one of "
        + extensions(allowed));
  }

  private static String extensions(Set<Format> formats) {
    StringBuilder s = new StringBuilder();
    for (Format f : formats) {
      s.append(s.isEmpty() ? "" : ", ").append(f.extension);
    }
    return s.toString();
  }
}

package dev.quiver.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/** Finds {@link IndexFormat}s on the class path by kind name. Thread-safe. */
public final class IndexFormats {

  private IndexFormats() {}

  /** Loaded once: the class path does not change while the JVM runs. */
  private static final class Registry {
    static final Map<String, IndexFormat> BY_KIND = load();

    private static Map<String, IndexFormat> load() {
      Map<String, IndexFormat> map = new TreeMap<>();
      for (IndexFormat format : ServiceLoader.load(IndexFormat.class, IndexFormats.class.getClassLoader())) {
        IndexFormat previous = map.putIfAbsent(format.kind(), format);
        if (previous != null && previous.getClass() != format.getClass()) {
          throw new IllegalStateException("two index formats claim kind '" + format.kind() + "': "
              + previous.getClass().getName() + " and " + format.getClass().getName());
        }
      }
      return Map.copyOf(map);
    }
  }

  /** The kinds available on the class path. */
  public static Set<String> kinds() {
    return new java.util.TreeSet<>(Registry.BY_KIND.keySet());
  }

  /** The format of {@code kind}; IllegalArgumentException naming it and the known kinds otherwise. */
  public static IndexFormat forKind(String kind) {
    IndexFormat format = Registry.BY_KIND.get(kind);
    if (format == null) {
      throw new IllegalArgumentException("unknown index kind '" + kind + "'; available: " + kinds());
    }
    return format;
  }

  /** Opens an index file of any kind, verifying its checksum. */
  public static VectorIndex open(Path path) throws IOException {
    return open(path, true);
  }

  /** Opens an index file of any kind; {@code verifyChecksum=false} checks sizes only (faster for huge files). */
  public static VectorIndex open(Path path, boolean verifyChecksum) throws IOException {
    return open(IndexFile.open(path, verifyChecksum));
  }

  /**
   * Opens an index file of any kind read into {@code arena}, which the caller owns and closes
   * after the index: closing the index then marks it closed without freeing anything, so many
   * files (a snapshot's) share one arena and are freed together (see
   * {@link IndexFile#open(Path, boolean, Arena)}).
   */
  public static VectorIndex open(Path path, boolean verifyChecksum, Arena arena)
      throws IOException {
    return open(IndexFile.open(path, verifyChecksum, arena));
  }

  private static VectorIndex open(IndexFile file) throws IOException {
    Path path = file.path();
    try {
      IndexFormat format = Registry.BY_KIND.get(file.kind());
      if (format == null) {
        throw new IOException(path + ": index kind '" + file.kind() + "' is not available on the class path; available: "
            + kinds());
      }
      return format.open(file);
    } catch (IllegalArgumentException e) {
      // A kind reads its settings (metric, sizes) from the header's metadata, which no checksum covers.
      file.close();
      throw new IOException(path + ": bad index metadata: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }
}

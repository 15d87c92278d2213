package dev.quiver.serving.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names inside a snapshot root and a snapshot directory:
 *
 * <pre>
 * root/
 *   CURRENT              the served version's directory name, replaced by an atomic rename
 *   v-41/ v-42/ ...      one directory per version, renamed into place only once complete
 *     manifest.json      {@link Manifest}
 *     model/             the model directory (model.json, model.safetensors, ...)
 *     index.qvi          the item index, any kind, over item ordinals (item head 0's)
 *     index-h1.qvi ...   an item tower of several heads: head h's index
 *     index-0.qvi ...    instead of index.qvi, the shards of a sharded index (build parameter shards=S), each
 *                        over the next range of item ordinals; index-h1-0.qvi ... those of head 1's
 *     items.ids          the item id of each ordinal
 *   .tmp-...             a version being written (ignored by readers, removed by the next publish)
 * </pre>
 *
 * Stateless.
 */
public final class SnapshotLayout {
  public static final String CURRENT = "CURRENT";
  public static final String MANIFEST = "manifest.json";
  public static final String MODEL = "model";
  public static final String INDEX = "index.qvi";
  public static final String IDS = "items.ids";
  /** The build parameter that records a sharded index's shard count (absent: one index file). */
  public static final String SHARDS = "shards";
  static final String TEMP_PREFIX = ".tmp-";
  static final String POINTER_TEMP = "CURRENT.tmp";
  private static final Pattern VERSION_DIR = Pattern.compile("v-([1-9][0-9]{0,17})");

  private SnapshotLayout() {}

  /** The index file of item head {@code h}: {@value #INDEX} for the first, {@code index-h1.qvi}... after. */
  public static String headIndex(int h) {
    return h == 0 ? INDEX : "index-h" + h + ".qvi";
  }

  /** The directory name of {@code version}: {@code v-42}. */
  public static String dirName(long version) {
    if (version <= 0) {
      throw new IllegalArgumentException("snapshot version must be positive, got " + version);
    }
    return "v-" + version;
  }

  /** The index files of an index of {@code shards} shards, in ordinal order. */
  public static List<String> indexFiles(int shards) {
    return shardFiles(INDEX, shards);
  }

  /**
   * The files of an index named {@code file} ({@link #headIndex}) in {@code shards} shards, in
   * ordinal order: the file itself for one, else {@code index-0.qvi}, {@code index-h1-0.qvi}...
   */
  public static List<String> shardFiles(String file, int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("shard count must be positive, got " + shards);
    }
    if (shards == 1) {
      return List.of(file);
    }
    String base = file.substring(0, file.length() - ".qvi".length());
    List<String> names = new ArrayList<>(shards);
    for (int s = 0; s < shards; s++) {
      names.add(base + "-" + s + ".qvi");
    }
    return names;
  }

  /** The version a directory name stands for, or -1 when it is not a version directory. */
  public static long version(String dirName) {
    Matcher m = VERSION_DIR.matcher(dirName);
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The version {@code root/CURRENT} names; NoSuchFileException when nothing is published yet. */
  public static long current(Path root) throws IOException {
    Path pointer = root.resolve(CURRENT);
    if (!Files.exists(pointer)) {
      throw new NoSuchFileException(pointer.toString(), null, "no snapshot published yet");
    }
    String name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
    long version = version(name);
    if (version < 0) {
      throw new IOException(pointer + ": names '" + name + "', not a snapshot version directory");
    }
    return version;
  }

  /** The complete version directories under {@code root}, oldest first. */
  public static List<Long> versions(Path root) throws IOException {
    List<Long> versions = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return versions;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path p : entries) {
        long v = version(p.getFileName().toString());
        if (v > 0 && Files.isDirectory(p)) {
          versions.add(v);
        }
      }
    }
    versions.sort(null);
    return versions;
  }

  /** The highest version directory below {@code version}, or -1 when there is none. */
  public static long previous(Path root, long version) throws IOException {
    long best = -1;
    for (long v : versions(root)) {
      if (v < version) {
        best = v;
      }
    }
    return best;
  }
}

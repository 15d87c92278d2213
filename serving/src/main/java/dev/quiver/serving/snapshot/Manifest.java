package dev.quiver.serving.snapshot;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.engine.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a snapshot directory holds, written last by the publisher and read first by the loader:
 * the snapshot's identity, the fingerprint of the model its index was built with, the index's
 * shape, and the size and CRC32C of every file, so that a missing, truncated or altered file is
 * found before anything is served from it. Immutable; stored as {@value SnapshotLayout#MANIFEST}.
 *
 * @param formatVersion the manifest format, {@value #FORMAT}
 * @param version the snapshot version, equal to its directory's
 * @param createdAt when it was published, ISO-8601
 * @param modelFingerprint {@link ModelDirectory#fingerprint} of the model directory
 * @param index the item index
 * @param itemCount items in the index and the id table
 * @param files every file of the snapshot but the manifest, by path relative to the directory
 * @param itemCutoff when the item data of the index was read, ISO-8601: items added after it are
 *     not in the index, and the fresh items added since are carried into this version's delta
 * @param itemHeads an item tower of several heads: one index per head, the first being
 *     {@value SnapshotLayout#INDEX}, all of the same kind, metric and items, each of its head's
 *     dimension; empty for one index (and then absent from the file, which older readers read as
 *     before)
 */
public record Manifest(int formatVersion, long version, String createdAt, String modelFingerprint, IndexInfo index,
                       int itemCount, List<FileEntry> files, String itemCutoff,
                       @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ItemHead> itemHeads) {
  /** The manifest format this build writes and reads. */
  public static final int FORMAT = 1;
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern HEX8 = Pattern.compile("[0-9a-f]{8}");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * @param kind the index kind ({@code hnsw}, {@code flat}...)
   * @param params the build parameters
   * @param metric {@code ip}, {@code cosine} or {@code l2}
   * @param dimension the vector dimension, shared by the index and the model's towers
   */
  public record IndexInfo(String kind, Map<String, String> params, String metric, int dimension) {}

  /** One file: path relative to the snapshot directory ({@code /}-separated), bytes, CRC32C in hex. */
  public record FileEntry(String path, long size, String crc32c) {}

  /**
   * One item head's index: the head's name in the model's item tower, its file (for a sharded
   * index the name its shards are named after, {@link SnapshotLayout#shardFiles}), and its
   * dimension where it differs from {@link IndexInfo#dimension} (0 there, and left out of the file).
   */
  public record ItemHead(String name, String path,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT) int dimension) {
    /** An item head whose index has the first index's dimension. */
    public ItemHead(String name, String path) {
      this(name, path, 0);
    }
  }

  public Manifest {
    files = List.copyOf(files);
    itemHeads = itemHeads == null ? List.of() : List.copyOf(itemHeads);
  }

  /** The index file of each item head, in head order: {@value SnapshotLayout#INDEX} alone for one. */
  public List<String> indexPaths() {
    return itemHeads.isEmpty() ? List.of(SnapshotLayout.INDEX) : itemHeads.stream().map(ItemHead::path).toList();
  }

  /** The dimension of item head {@code h}'s index (of the index, for a single one). */
  public int dimension(int h) {
    int d = itemHeads.isEmpty() ? 0 : itemHeads.get(h).dimension;
    return d == 0 ? index.dimension : d;
  }

  /** A manifest of a single index whose item data was read when it was published. */
  public Manifest(int formatVersion, long version, String createdAt, String modelFingerprint, IndexInfo index,
                  int itemCount, List<FileEntry> files) {
    this(formatVersion, version, createdAt, modelFingerprint, index, itemCount, files, createdAt);
  }

  /** A manifest of a single index. */
  public Manifest(int formatVersion, long version, String createdAt, String modelFingerprint, IndexInfo index,
                  int itemCount, List<FileEntry> files, String itemCutoff) {
    this(formatVersion, version, createdAt, modelFingerprint, index, itemCount, files, itemCutoff, List.of());
  }

  /** {@link #itemCutoff} as an instant. */
  public Instant itemCutoffInstant() {
    return Instant.parse(itemCutoff);
  }

  /** Reads and validates {@code file}; IOException naming the file and the first thing wrong. */
  public static Manifest read(Path file) throws IOException {
    Manifest m;
    try {
      JsonNode tree = JSON.readTree(file.toFile());
      if (tree instanceof ObjectNode o && !o.has("itemHeads")) {
        o.putArray("itemHeads"); // a single-index manifest leaves it out
      }
      if (tree instanceof ObjectNode o && o.get("itemHeads").isArray()) {
        for (JsonNode head : o.get("itemHeads")) {
          if (head instanceof ObjectNode h && !h.has("dimension")) {
            h.put("dimension", 0); // the first index's dimension
          }
        }
      }
      if (tree instanceof ObjectNode o && !o.has("itemCutoff") && o.path("createdAt").isTextual()) {
        // Written before cut-offs were recorded: its items were read no later than its publish.
        o.put("itemCutoff", o.get("createdAt").asText());
      }
      m = tree == null || tree.isMissingNode() ? null : JSON.treeToValue(tree, Manifest.class);
    } catch (JacksonException e) {
      throw new IOException(file + ": bad snapshot manifest: " + e.getOriginalMessage(), e);
    } catch (java.io.CharConversionException e) {
      // Bytes that look like UTF-16 or UTF-32 to Jackson's encoding detection but are not.
      throw new IOException(file + ": bad snapshot manifest: " + e.getMessage(), e);
    }
    if (m == null) {
      throw new IOException(file + ": bad snapshot manifest: empty");
    }
    m.validate(file);
    return m;
  }

  /** Writes the manifest as indented JSON (not forced; the publisher forces it). */
  public void write(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }

  /** The metric of the index. */
  public Metric metric() {
    return Metric.fromName(index.metric);
  }

  /**
   * How many index files (shards) the index spans: the build parameter
   * {@value SnapshotLayout#SHARDS}, 1 when absent.
   */
  public int shards() {
    String value = index.params.get(SnapshotLayout.SHARDS);
    try {
      return value == null ? 1 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The index files, one per shard, in ordinal order. */
  public List<String> indexFiles() {
    return SnapshotLayout.indexFiles(shards());
  }

  /** Item head {@code h}'s index files, one per shard, in ordinal order. */
  public List<String> indexFiles(int h) {
    return SnapshotLayout.shardFiles(indexPaths().get(h), shards());
  }

  /** The entry of {@code path}, or null. */
  public FileEntry file(String path) {
    for (FileEntry f : files) {
      if (f.path.equals(path)) {
        return f;
      }
    }
    return null;
  }

  private void validate(Path file) throws IOException {
    check(file, formatVersion == FORMAT, "format version " + formatVersion + ", this build reads " + FORMAT);
    check(file, version > 0, "version " + version);
    try {
      Instant.parse(createdAt);
    } catch (DateTimeParseException e) {
      throw bad(file, "createdAt '" + createdAt + "' is not an ISO-8601 instant");
    }
    try {
      Instant.parse(itemCutoff);
    } catch (DateTimeParseException e) {
      throw bad(file, "itemCutoff '" + itemCutoff + "' is not an ISO-8601 instant");
    }
    check(file, HEX64.matcher(modelFingerprint).matches(), "model fingerprint '" + modelFingerprint + "'");
    check(file, !index.kind.isBlank() && index.params != null, "index kind '" + index.kind + "'");
    try {
      metric();
    } catch (IllegalArgumentException e) {
      throw bad(file, e.getMessage());
    }
    check(file, index.dimension > 0, "dimension " + index.dimension);
    check(file, itemCount >= 0, "item count " + itemCount);
    check(file, shards() >= 1, SnapshotLayout.SHARDS + " '" + index.params.get(SnapshotLayout.SHARDS) + "'");
    validateFiles(file);
    validateHeads(file);
  }

  private void validateHeads(Path file) throws IOException {
    Set<String> names = new HashSet<>();
    for (int h = 0; h < itemHeads.size(); h++) {
      ItemHead head = itemHeads.get(h);
      check(file, head.name != null && !head.name.isBlank() && names.add(head.name),
          "item head " + h + " name '" + head.name + "'");
      check(file, head.path != null && head.path.endsWith(".qvi")
          && indexFiles(h).stream().allMatch(f -> file(f) != null), "item head '" + head.name + "' index '"
          + head.path + "' is not a listed file");
      check(file, h > 0 || head.path.equals(SnapshotLayout.INDEX), "the first item head's index is not "
          + SnapshotLayout.INDEX);
      check(file, head.dimension >= 0 && (h > 0 || head.dimension == 0 || head.dimension == index.dimension),
          "item head '" + head.name + "' dimension " + head.dimension);
    }
  }

  private void validateFiles(Path file) throws IOException {
    Set<String> seen = new HashSet<>();
    for (FileEntry f : files) {
      check(file, f.path != null && isPlainRelative(f.path), "file path '" + f.path + "'");
      check(file, seen.add(f.path), "file '" + f.path + "' listed twice");
      check(file, f.size >= 0 && f.crc32c != null && HEX8.matcher(f.crc32c).matches(),
          "file '" + f.path + "' size " + f.size + " crc32c " + f.crc32c);
    }
    List<String> required = new java.util.ArrayList<>(indexFiles());
    for (int h = 1; h < itemHeads.size(); h++) {
      if (itemHeads.get(h).path != null && itemHeads.get(h).path.endsWith(".qvi")) {
        required.addAll(indexFiles(h));
      }
    }
    required.add(SnapshotLayout.IDS);
    for (String name : required) {
      check(file, seen.contains(name), "no entry for required file " + name);
    }
    // Which model files must exist is the model loader's business; the snapshot needs one at least.
    check(file, seen.stream().anyMatch(p -> p.startsWith(SnapshotLayout.MODEL + "/")),
        "no entry for any file of the model directory " + SnapshotLayout.MODEL);
  }

  /** Relative, normalised, inside the directory: no leading slash, no empty, dot or dot-dot parts. */
  private static boolean isPlainRelative(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
      return false;
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return false;
      }
    }
    return true;
  }

  private static void check(Path file, boolean ok, String what) throws IOException {
    if (!ok) {
      throw bad(file, what);
    }
  }

  private static IOException bad(Path file, String what) {
    return new IOException(file + ": bad snapshot manifest: " + what);
  }
}

package dev.quiver.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The container every index kind writes: one header page, then a body that the kind lays out
 * and reads back from memory.
 *
 * <pre>
 * offset 0    magic "QVRINDEX" (8 bytes)
 *        8    int  container version (1)
 *        12   int  length of the metadata text that follows the fixed fields
 *        16   long body offset (always {@link #HEADER_BYTES}, so the body is page aligned)
 *        24   long body length
 *        32   int  CRC32C of the body
 *        36   metadata: UTF-8 lines "key=value"; the key "kind" names the index kind
 * 4096   body (kind specific)
 * </pre>
 *
 * All numbers are little-endian. Opening reads the body into one shared {@link Arena}: either
 * one owned by this object, which {@link #close()} then closes, or one the caller supplies, which
 * the caller closes (a snapshot reads all its files into one arena, since closing a shared arena
 * stops every thread at a safepoint). Files are written under a temporary name, forced to disk
 * and renamed into place, so a reader never sees a half-written file.
 */
public final class IndexFile implements AutoCloseable {
  public static final int HEADER_BYTES = 4096;
  private static final byte[] MAGIC = "QVRINDEX".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int FIXED_BYTES = 36;
  private static final long CHECKSUM_CHUNK = 1 << 30;
  private static final long READ_CHUNK = 64L << 20;

  private final Path path;
  private final Arena arena;
  private final Map<String, String> metadata;
  private final MemorySegment body;
  private final boolean ownsArena;

  private IndexFile(Path path, Arena arena, boolean ownsArena, Map<String, String> metadata, MemorySegment body) {
    this.path = path;
    this.arena = arena;
    this.ownsArena = ownsArena;
    this.metadata = metadata;
    this.body = body;
  }

  /** Writes a body of the kind's making. Implemented by each kind's writer. */
  @FunctionalInterface
  public interface BodyWriter {
    void write(BodyOutput out) throws IOException;
  }

  /**
   * Reads {@code path} into memory, checks magic, version and length, and (when
   * {@code verifyChecksum}) the CRC32C of the body. Throws {@link IOException} naming the file and
   * what is wrong.
   */
  public static IndexFile open(Path path, boolean verifyChecksum) throws IOException {
    Arena arena = Arena.ofShared();
    try {
      return open(path, verifyChecksum, arena, true);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /**
   * As {@link #open(Path, boolean)}, but reads the body into {@code arena}, which the caller owns:
   * {@link #close()} then leaves the memory alone, and it lives until the caller closes
   * {@code arena}. A failed open also leaves its memory to the arena.
   */
  public static IndexFile open(Path path, boolean verifyChecksum, Arena arena) throws IOException {
    return open(path, verifyChecksum, arena, false);
  }

  /**
   * The body is read into {@link HugePages} memory rather than mapped: a search reads lists and
   * rows spread over the whole body, and over a mapping of the page cache (4 KiB pages) an IVF
   * list scan at 768 dimensions ran about a third slower than over the huge pages the building
   * JVM searches (docs/BENCHMARKS.md). FAISS and hnswlib read their indexes into memory too.
   */
  private static IndexFile open(Path path, boolean verifyChecksum, Arena arena, boolean ownsArena)
      throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES) {
        throw new IOException(path + ": truncated index file: " + size + " bytes, the header alone is "
            + HEADER_BYTES);
      }
      MemorySegment header = MemorySegment.ofArray(new byte[HEADER_BYTES]);
      readFully(ch, path, header, 0);
      Header h = parse(path, header, size);
      MemorySegment body = HugePages.allocate(arena, Math.max(1, h.bodyLength)).asSlice(0, h.bodyLength);
      readFully(ch, path, body, HEADER_BYTES);
      IndexFile opened = new IndexFile(path, arena, ownsArena, h.metadata, body);
      if (verifyChecksum) {
        opened.verifyChecksum(header.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 32));
      }
      return opened;
    }
  }

  /** Reads {@code into.byteSize()} bytes of {@code ch} from {@code position}, in chunks a buffer can hold. */
  private static void readFully(FileChannel ch, Path path, MemorySegment into, long position) throws IOException {
    for (long done = 0; done < into.byteSize(); ) {
      ByteBuffer chunk = into.asSlice(done, Math.min(READ_CHUNK, into.byteSize() - done)).asByteBuffer();
      while (chunk.hasRemaining()) {
        int n = ch.read(chunk, position + done + chunk.position());
        if (n < 0) {
          throw new IOException(path + ": index file ended early at byte " + (position + done + chunk.position()));
        }
      }
      done += chunk.capacity();
    }
  }

  private record Header(Map<String, String> metadata, long bodyLength) {}

  private static Header parse(Path path, MemorySegment header, long size) throws IOException {
    ByteBuffer h = header.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[MAGIC.length];
    h.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new IOException(path + ": not a Quiver index file (magic "
          + new String(magic, StandardCharsets.ISO_8859_1).replaceAll("\\p{Cntrl}", "?") + ")");
    }
    int version = h.getInt();
    if (version != VERSION) {
      throw new IOException(path + ": index container version " + version + ", this build reads " + VERSION);
    }
    int metaLength = h.getInt();
    long bodyOffset = h.getLong();
    long bodyLength = h.getLong();
    if (metaLength < 0 || metaLength > HEADER_BYTES - FIXED_BYTES || bodyOffset != HEADER_BYTES || bodyLength < 0) {
      throw new IOException(path + ": corrupt index header (metadata " + metaLength + " bytes, body at "
          + bodyOffset + " of " + bodyLength + " bytes)");
    }
    if (bodyOffset + bodyLength != size) {
      throw new IOException(path + ": index file is " + size + " bytes, its header expects "
          + (bodyOffset + bodyLength) + (size < bodyOffset + bodyLength ? " (truncated)" : " (trailing bytes)"));
    }
    byte[] meta = new byte[metaLength];
    h.position(FIXED_BYTES).get(meta);
    Map<String, String> metadata = parseMetadata(path, new String(meta, StandardCharsets.UTF_8));
    return new Header(metadata, bodyLength);
  }

  private static Map<String, String> parseMetadata(Path path, String text) throws IOException {
    Map<String, String> map = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IOException(path + ": corrupt index metadata line '" + line + "'");
      }
      map.put(line.substring(0, eq), line.substring(eq + 1));
    }
    if (!map.containsKey("kind")) {
      throw new IOException(path + ": index metadata names no kind");
    }
    return Map.copyOf(map);
  }

  private void verifyChecksum(int expected) throws IOException {
    int actual = checksum(body);
    if (actual != expected) {
      throw new IOException(path + ": index body checksum mismatch (stored "
          + Integer.toHexString(expected) + ", computed " + Integer.toHexString(actual) + "): file is corrupt");
    }
  }

  private static int checksum(MemorySegment segment) {
    CRC32C crc = new CRC32C();
    for (long off = 0; off < segment.byteSize(); off += CHECKSUM_CHUNK) {
      crc.update(segment.asSlice(off, Math.min(CHECKSUM_CHUNK, segment.byteSize() - off)).asByteBuffer());
    }
    return (int) crc.getValue();
  }

  /**
   * Writes an index file atomically: header and body go to a temporary file beside {@code path},
   * which is forced to disk and then renamed over {@code path}.
   *
   * @param metadata key/value pairs for the header; must include {@code kind}
   */
  public static void write(Path path, Map<String, String> metadata, BodyWriter body) throws IOException {
    if (!metadata.containsKey("kind")) {
      throw new IllegalArgumentException("index metadata must name its kind");
    }
    byte[] meta = formatMetadata(metadata);
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        BodyOutput out = new BodyOutput(ch, HEADER_BYTES);
        body.write(out);
        out.flush();
        ch.write(header(meta, out.offset(), out.checksum()), 0);
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static byte[] formatMetadata(Map<String, String> metadata) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().contains("=") || e.getKey().contains("\n") || e.getValue().contains("\n")) {
        throw new IllegalArgumentException("bad index metadata entry " + e.getKey() + "=" + e.getValue());
      }
      sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length > HEADER_BYTES - FIXED_BYTES) {
      throw new IllegalArgumentException("index metadata of " + bytes.length + " bytes does not fit the header");
    }
    return bytes;
  }

  private static ByteBuffer header(byte[] meta, long bodyLength, int checksum) {
    ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    h.put(MAGIC).putInt(VERSION).putInt(meta.length).putLong(HEADER_BYTES).putLong(bodyLength)
        .putInt(checksum).put(meta);
    return h.clear();
  }

  public Path path() {
    return path;
  }

  /** The index kind recorded in the header. */
  public String kind() {
    return metadata.get("kind");
  }

  /** Header metadata (immutable). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** A required metadata value as a long; IOException naming the key when absent or malformed. */
  public long metaLong(String key) throws IOException {
    String v = metadata.get(key);
    if (v == null) {
      throw new IOException(path + ": index metadata lacks '" + key + "'");
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IOException(path + ": index metadata " + key + "=" + v + " is not a number");
    }
  }

  /** The body in memory; valid until {@link #close()}. */
  public MemorySegment body() {
    return body;
  }

  /** The arena the body lives in; indexes may allocate side structures in it. */
  public Arena arena() {
    return arena;
  }

  /**
   * Frees the body when this object owns its arena; any later access to {@link #body()} then
   * throws IllegalStateException. A body read into a caller's arena lives until that arena
   * closes.
   */
  @Override
  public void close() {
    if (ownsArena && arena.scope().isAlive()) {
      arena.close();
    }
  }

  /** Sequential body output that checksums what it writes and pads to alignments. */
  public static final class BodyOutput {
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final long start;
    private long position;

    BodyOutput(FileChannel channel, long start) {
      this.channel = channel;
      this.start = start;
    }


    /** Copies a whole segment (e.g. vectors) into the body. */
    public void write(MemorySegment segment) throws IOException {
      flush();
      for (long off = 0; off < segment.byteSize(); off += CHECKSUM_CHUNK) {
        ByteBuffer chunk = segment.asSlice(off, Math.min(CHECKSUM_CHUNK, segment.byteSize() - off)).asByteBuffer();
        crc.update(chunk.duplicate());
        while (chunk.hasRemaining()) {
          position += channel.write(chunk, start + position);
        }
      }
    }

    public void writeLong(long v) throws IOException {
      ensure(Long.BYTES);
      buffer.putLong(v);
    }

    public void writeInt(int v) throws IOException {
      ensure(Integer.BYTES);
      buffer.putInt(v);
    }

    public void writeFloat(float v) throws IOException {
      ensure(Float.BYTES);
      buffer.putFloat(v);
    }

    /** Zero bytes up to the next multiple of {@code alignment}; returns the aligned offset. */
    public long align(int alignment) throws IOException {
      while (offset() % alignment != 0) {
        ensure(1);
        buffer.put((byte) 0);
      }
      return offset();
    }

    /** Offset in the body at which the next byte lands. */
    public long offset() {
      return position + buffer.position();
    }

    private void ensure(int bytes) throws IOException {
      if (buffer.remaining() < bytes) {
        flush();
      }
    }

    void flush() throws IOException {
      buffer.flip();
      crc.update(buffer.duplicate());
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, start + position);
      }
      buffer.clear();
    }

    int checksum() {
      return (int) crc.getValue();
    }
  }
}

package dev.quiver.tower;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to its dtype, shape and byte range, then the data. F32, F64, F16 and BF16 tensors are
 * read as float32 into segments of the caller's arena; other dtypes are refused when used.
 */
public final class SafeTensors {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long MAX_HEADER = 100L << 20;

  /** One tensor's entry in the header. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    /** The shape as PyTorch prints it, e.g. [512, 416]. */
    public String shapeString() {
      return Arrays.toString(shape);
    }
  }

  private final Path file;
  private final Map<String, Entry> entries;
  private final long dataStart;

  private SafeTensors(Path file, Map<String, Entry> entries, long dataStart) {
    this.file = file;
    this.entries = entries;
    this.dataStart = dataStart;
  }

  /** Reads the header of {@code file}, checking that every tensor lies inside the file. */
  public static SafeTensors open(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      if (size < 8 || ch.read(head, 0) != 8) {
        throw new IOException(file + ": too short for a safetensors file (" + size + " bytes)");
      }
      refusePickle(file, head.array());
      long n = head.getLong(0);
      if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
        throw new IOException(file + ": bad safetensors header length " + n + " in a file of " + size + " bytes");
      }
      java.nio.ByteBuffer json = java.nio.ByteBuffer.allocate((int) n);
      ch.read(json, 8);
      JsonNode root = new ObjectMapper().readTree(new String(json.array(), StandardCharsets.UTF_8));
      return new SafeTensors(file, parse(file, root, size - 8 - n), 8 + n);
    }
  }

  /** A torch.save file would otherwise be read as a nonsense header length. */
  private static void refusePickle(Path file, byte[] start) throws IOException {
    boolean zip = start[0] == 'P' && start[1] == 'K' && start[2] == 3 && start[3] == 4;
    boolean pickle = (start[0] & 0xff) == 0x80 && start[1] >= 2 && start[1] <= 5;
    if (zip || pickle) {
      throw new IOException(file + ": is a torch.save " + (zip ? "zip archive" : "pickle")
          + ", not safetensors; convert it with export_tower.py from-state-dict (docs/TOWER.md)");
    }
  }

  private static Map<String, Entry> parse(Path file, JsonNode root, long dataSize) throws IOException {
    Map<String, Entry> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      JsonNode t = e.getValue();
      JsonNode shapeNode = t.path("shape"), range = t.path("data_offsets");
      if (!t.path("dtype").isTextual() || !shapeNode.isArray() || range.size() != 2) {
        throw new IOException(file + ": tensor '" + e.getKey() + "' lacks dtype, shape or data_offsets");
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).asLong();
      }
      Entry entry = new Entry(e.getKey(), t.get("dtype").asText(), shape,
          range.get(0).asLong(), range.get(1).asLong());
      int width = width(entry.dtype());
      if (entry.begin() < 0 || entry.end() > dataSize || entry.end() < entry.begin()
          || (width > 0 && entry.end() - entry.begin() != entry.elements() * width)) {
        throw new IOException(file + ": tensor '" + entry.name() + "' " + entry.dtype()
            + entry.shapeString() + " has byte range [" + entry.begin() + ", " + entry.end()
            + ") which does not fit its shape or the " + dataSize + " data bytes");
      }
      out.put(entry.name(), entry);
    }
    return out;
  }

  /** Bytes per element of a float dtype this reader converts, or 0 for any other dtype. */
  private static int width(String dtype) {
    return switch (dtype) {
      case "F64" -> 8;
      case "F32" -> 4;
      case "F16", "BF16" -> 2;
      default -> 0;
    };
  }

  /** The header entries in file order. */
  public Map<String, Entry> entries() {
    return java.util.Collections.unmodifiableMap(entries);
  }

  /** The entry called {@code name}, or null. */
  public Entry entry(String name) {
    return entries.get(name);
  }

  /** The file read. */
  public Path file() {
    return file;
  }

  /**
   * Reads tensor {@code name} as float32 into a new segment of {@code arena}, checking its shape.
   *
   * @throws IOException when it is absent, of another shape, or of a dtype other than F32/F16/BF16
   */
  public MemorySegment read(String name, long[] expectedShape, Arena arena) throws IOException {
    return read(name, expectedShape, arena, TableAllocator.PLAIN);
  }

  /** As {@link #read(String, long[], Arena)}, the segment coming from {@code allocator}. */
  public MemorySegment read(String name, long[] expectedShape, Arena arena, TableAllocator allocator)
      throws IOException {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IOException(file + ": tensor '" + name + "' of shape " + Arrays.toString(expectedShape)
          + " is missing");
    }
    if (!Arrays.equals(e.shape(), expectedShape)) {
      throw new IOException(file + ": tensor '" + name + "' has shape " + e.shapeString()
          + " but the config needs " + Arrays.toString(expectedShape));
    }
    if (width(e.dtype()) == 0) {
      throw new IOException(file + ": tensor '" + name + "' has dtype " + e.dtype()
          + "; expected F32, F64, F16 or BF16");
    }
    MemorySegment dst = allocator.allocate(arena, e.elements() * Float.BYTES);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
         Arena map = Arena.ofConfined()) {
      long bytes = e.end() - e.begin();
      if (bytes == 0) {
        return dst;
      }
      MemorySegment src = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), bytes, map);
      convert(e.dtype(), src, dst, e.elements());
    }
    return dst;
  }

  private static void convert(String dtype, MemorySegment src, MemorySegment dst, long n) {
    switch (dtype) {
      case "F32" -> {
        MemorySegment.copy(src, F32, 0, dst, ValueLayout.JAVA_FLOAT, 0, n);
      }
      case "F64" -> {
        for (long i = 0; i < n; i++) {
          dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) src.getAtIndex(F64, i));
        }
      }
      case "F16" -> {
        for (long i = 0; i < n; i++) {
          dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.float16ToFloat(src.get(I16, i * 2)));
        }
      }
      default -> { // BF16: the high half of a float32
        for (long i = 0; i < n; i++) {
          dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.intBitsToFloat(src.get(I16, i * 2) << 16));
        }
      }
    }
  }
}

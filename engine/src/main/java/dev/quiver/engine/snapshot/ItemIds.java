package dev.quiver.engine.snapshot;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The item id table of a snapshot: the external {@code long} id of every item ordinal, in an
 * {@link IndexFile} container of kind {@value #KIND} (so it has the container's length and
 * checksum checks), mapped and read in place through an {@link IdMap}.
 */
final class ItemIds {
  static final String KIND = "item-ids";

  private ItemIds() {}

  /** Writes {@code ids} (null: ordinals {@code 0..count-1}) atomically to {@code path}. */
  static void write(Path path, long[] ids, int count) throws IOException {
    if (ids != null && ids.length != count) {
      throw new IllegalArgumentException("item ids has " + ids.length + " entries for " + count + " items");
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("kind", KIND);
    meta.put("count", Integer.toString(count));
    IndexFile.write(path, meta, out -> {
      for (int i = 0; i < count; i++) {
        out.writeLong(ids == null ? i : ids[i]);
      }
    });
  }

  /** Maps the table into {@code arena}; IOException on a wrong kind, count or duplicate id. */
  static IdMap open(Path path, Arena arena, int expectedCount) throws IOException {
    IndexFile file = IndexFile.open(path, false, arena);
    if (!KIND.equals(file.kind())) {
      throw new IOException(path + ": kind '" + file.kind() + "', expected an item id table");
    }
    long count = file.metaLong("count");
    if (count != expectedCount || file.body().byteSize() != count * Long.BYTES) {
      throw new IOException(path + ": item id table holds " + count + " ids in " + file.body().byteSize()
          + " bytes; the manifest has " + expectedCount + " items");
    }
    try {
      return IdMap.of(file.body(), expectedCount);
    } catch (IllegalArgumentException e) {
      throw new IOException(path + ": " + e.getMessage(), e);
    }
  }
}

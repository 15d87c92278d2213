package dev.quiver.serving.snapshot;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The item id table of a snapshot, in an {@link IndexFile} container of kind {@value #KIND} (so it
 * has the container's length and checksum checks): the {@code long} id of every item ordinal,
 * then the ordinals sorted by id as {@code int}s, so that id-to-ordinal lookups need no map built
 * at load time (see {@link IdMap#sorted}). Mapped and read in place.
 */
final class ItemIds {
  static final String KIND = "item-ids";

  private ItemIds() {}

  /** Writes {@code ids} (null: ordinals {@code 0..count-1}) atomically to {@code path}; refuses duplicates. */
  static void write(Path path, long[] ids, int count) throws IOException {
    if (ids != null && ids.length != count) {
      throw new IllegalArgumentException("item ids has " + ids.length + " entries for " + count + " items");
    }
    long[] table = ids != null ? ids : identity(count);
    int[] byId = IdMap.sortedOrdinals(table);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("kind", KIND);
    meta.put("count", Integer.toString(count));
    IndexFile.write(path, meta, out -> {
      for (long id : table) {
        out.writeLong(id);
      }
      for (int ordinal : byId) {
        out.writeInt(ordinal);
      }
    });
  }

  private static long[] identity(int count) {
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = i;
    }
    return ids;
  }

  /** Maps the table into {@code arena}; IOException on a wrong kind or count. */
  static IdMap open(Path path, Arena arena, int expectedCount) throws IOException {
    IndexFile file = IndexFile.open(path, false, arena);
    if (!KIND.equals(file.kind())) {
      throw new IOException(path + ": kind '" + file.kind() + "', expected an item id table");
    }
    long count = file.metaLong("count");
    long idBytes = count * Long.BYTES;
    if (count != expectedCount || file.body().byteSize() != idBytes + count * Integer.BYTES) {
      throw new IOException(path + ": item id table holds " + count + " ids in " + file.body().byteSize()
          + " bytes; the manifest has " + expectedCount + " items");
    }
    return IdMap.sorted(file.body().asSlice(0, idBytes), file.body().asSlice(idBytes), expectedCount);
  }
}

package dev.quiver.serving.snapshot;

import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one snapshot is published from: a model directory, the item index (built in memory, or an
 * index file already on disk) over item ordinals, the item ids and the build parameters.
 *
 * @param modelDir the model directory, copied whole into the snapshot
 * @param index an index to write, or null when {@code indexFile} is given
 * @param indexFile an index file to copy (or hard link, see {@code link}), or null
 * @param params the index's build parameters, recorded in the manifest
 * @param ids the external id of each item ordinal; null for ids equal to ordinals
 * @param version the version to publish; 0 for one above every version in the root
 * @param link hard-link {@code indexFile} into the snapshot when the file system allows it (files
 *     are never modified in place, so versions may share one); otherwise it is copied
 * @param shardFiles the index files of a sharded index, in ordinal order (each over the next range
 *     of item ordinals, see {@link dev.quiver.engine.ShardedIndex}), copied like {@code indexFile};
 *     empty otherwise
 * @param itemCutoff when the item data the index was built from was read (items added later are
 *     not in it); null for the time of publishing
 * @param itemHeads an item tower of several heads: each head's name and index (built, or its
 *     files), the first being {@code index} (or {@code indexFile} or {@code shardFiles}); empty
 *     for a single index
 */
public record SnapshotSource(Path modelDir, VectorIndex index, Path indexFile, Params params, long[] ids,
                             long version, boolean link, List<Path> shardFiles, Instant itemCutoff,
                             List<ItemHead> itemHeads) {
  /**
   * One item head: its name in the model's item tower and the index over its vectors, built or
   * already written: one file, or its shards in ordinal order (as many as the first head's).
   */
  public record ItemHead(String name, VectorIndex index, List<Path> files) {
    public ItemHead {
      files = files == null ? List.of() : List.copyOf(files);
      if ((index == null) == files.isEmpty()) {
        throw new IllegalArgumentException("item head '" + name + "': give an index or its files, not both");
      }
    }

    /** An item head of an index built in memory. */
    public ItemHead(String name, VectorIndex index) {
      this(name, index, List.of());
    }
  }

  public SnapshotSource {
    itemHeads = itemHeads == null ? List.of() : List.copyOf(itemHeads);
    if (!itemHeads.isEmpty() && itemHeads.getFirst().index() != index) {
      throw new IllegalArgumentException("the first item head's index must be the snapshot's index");
    }
    Objects.requireNonNull(modelDir, "modelDir");
    Objects.requireNonNull(params, "params");
    shardFiles = List.copyOf(shardFiles);
    if ((index == null ? 0 : 1) + (indexFile == null ? 0 : 1) + (shardFiles.isEmpty() ? 0 : 1) != 1) {
      throw new IllegalArgumentException("give exactly one of an index, an index file and shard files");
    }
    if (version < 0) {
      throw new IllegalArgumentException("snapshot version must be positive (or 0 for the next), got " + version);
    }
  }

  /** A snapshot of {@code index}, written into the snapshot by {@link VectorIndex#write}. */
  public static SnapshotSource of(Path modelDir, VectorIndex index, Params params) {
    return new SnapshotSource(modelDir, index, null, params, null, 0, false, List.of(), null, List.of());
  }

  /** A snapshot of one index per item head, in the item tower's head order. */
  public static SnapshotSource ofHeads(Path modelDir, List<ItemHead> heads, Params params) {
    return new SnapshotSource(modelDir, heads.getFirst().index(), null, params, null, 0, false, List.of(), null,
        heads);
  }

  /**
   * A snapshot of one written index per item head, in the item tower's head order: each head's
   * file, or its shards in ordinal order (every head in as many), copied like {@link #ofShards}.
   */
  public static SnapshotSource ofHeadFiles(Path modelDir, List<String> names, List<List<Path>> files,
                                           Params params) {
    SnapshotSource first = ofShards(modelDir, files.getFirst(), params);
    List<ItemHead> heads = new java.util.ArrayList<>();
    for (int h = 0; h < names.size(); h++) {
      heads.add(new ItemHead(names.get(h), null, files.get(h)));
    }
    return new SnapshotSource(modelDir, null, first.indexFile, first.params, null, 0, false, first.shardFiles,
        null, heads);
  }

  /** A snapshot of the index in {@code indexFile}, copied into the snapshot. */
  public static SnapshotSource ofFile(Path modelDir, Path indexFile, Params params) {
    return new SnapshotSource(modelDir, null, indexFile, params, null, 0, false, List.of(), null, List.of());
  }

  /**
   * A snapshot of a sharded index: one file per shard, in ordinal order; a single file is an
   * ordinary snapshot. The manifest records the shard count as the build parameter
   * {@value SnapshotLayout#SHARDS}.
   */
  public static SnapshotSource ofShards(Path modelDir, List<Path> shardFiles, Params params) {
    return shardFiles.size() == 1 ? ofFile(modelDir, shardFiles.getFirst(), params)
        : new SnapshotSource(modelDir, null, null, params.with(SnapshotLayout.SHARDS,
            Integer.toString(shardFiles.size())), null, 0, false, shardFiles, null, List.of());
  }

  public SnapshotSource withIds(long[] itemIds) {
    return new SnapshotSource(modelDir, index, indexFile, params, itemIds, version, link, shardFiles, itemCutoff,
        itemHeads);
  }

  public SnapshotSource withVersion(long v) {
    return new SnapshotSource(modelDir, index, indexFile, params, ids, v, link, shardFiles, itemCutoff, itemHeads);
  }

  /** The same source with the time its item data was read (see {@link Manifest#itemCutoff}). */
  public SnapshotSource withItemCutoff(Instant cutoff) {
    return new SnapshotSource(modelDir, index, indexFile, params, ids, version, link, shardFiles, cutoff, itemHeads);
  }

  public SnapshotSource linked() {
    return new SnapshotSource(modelDir, index, indexFile, params, ids, version, true, shardFiles, itemCutoff,
        itemHeads);
  }
}

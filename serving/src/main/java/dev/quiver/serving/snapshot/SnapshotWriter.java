package dev.quiver.serving.snapshot;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.VectorIndex;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Publishes snapshots into a root directory so that a crash at any point leaves either the old
 * or the new snapshot current, never a half one: every file is written into a temporary
 * directory, checksummed into the manifest and forced to disk; the {@link PublishGate} loads it
 * there with the serving loader and checks it, and refuses the publish with the reason if any
 * service would fail to load or serve it; the directory is renamed to its version's name and the
 * root forced; then a new {@code CURRENT} pointer is written under a
 * temporary name, forced, and renamed over the old one. Readers follow {@code CURRENT} only, so
 * they never see a directory that is not complete. Versions beyond the retention setting are
 * deleted afterwards (never the current one). See {@link SnapshotLayout} for the names.
 *
 * <p>One publisher per root at a time: {@link #publish} holds a file lock on the root (across
 * processes) and is synchronized (within one). Leftovers of a crashed publish are removed by the
 * next one. An index file given by path is opened with its own checksum verified before it is
 * copied or linked, so a corrupt file never enters a snapshot under a fresh manifest checksum.
 */
public final class SnapshotWriter {
  private static final String LOCK = ".lock";

  /** Called before each step; a test throws from it to simulate a crash at that step. */
  @FunctionalInterface
  public interface StepHook {
    void before(PublishStep step) throws IOException;
  }

  private final Path root;
  private final int retain;
  private final PublishGate<?> gate;
  private final StepHook hook;

  /**
   * @param retain how many of the newest versions to keep (at least 1; 2 or more allows a rollback)
   * @param gate what each version must pass before it is published
   */
  public SnapshotWriter(Path root, int retain, PublishGate<?> gate) {
    this(root, retain, gate, step -> { });
  }

  public SnapshotWriter(Path root, int retain, PublishGate<?> gate, StepHook hook) {
    if (retain < 1) {
      throw new IllegalArgumentException("retention must keep at least 1 version, got " + retain);
    }
    this.root = root;
    this.retain = retain;
    this.gate = java.util.Objects.requireNonNull(gate, "gate");
    this.hook = hook;
  }

  public Path root() {
    return root;
  }

  /** Publishes {@code source} as a new version and makes it current; returns its manifest. */
  public synchronized Manifest publish(SnapshotSource source) throws IOException {
    Files.createDirectories(root);
    try (FileChannel lockFile = lockFile(root);
         FileLock lock = lock(root, lockFile)) {
      hook.before(PublishStep.CLEAN);
      removeLeftovers();
      long version = chooseVersion(source.version());
      Manifest manifest = writeVersion(source, version);
      pointOrWithdraw(version);
      hook.before(PublishStep.PRUNE);
      prune(version);
      return manifest;
    }
  }

  /**
   * Makes {@code version} (a complete directory under {@code root}) current by replacing the
   * pointer atomically, under the publishers' lock: how a rollback is published.
   */
  public static void point(Path root, long version) throws IOException {
    try (FileChannel lockFile = lockFile(root);
         FileLock lock = lock(root, lockFile)) {
      if (!Files.isRegularFile(root.resolve(SnapshotLayout.dirName(version)).resolve(SnapshotLayout.MANIFEST))) {
        throw new IOException(root + ": no complete snapshot version " + version + " to point at");
      }
      point(root, version, step -> { });
    }
  }

  /**
   * Removes, under the publishers' lock, what can never serve: leftovers of killed publishes
   * (temporary directories, a pointer never swapped in) and version directories without a
   * readable manifest; with {@code newer}, also complete versions above the current one (never
   * published, or rolled back from). Returns the names removed.
   */
  public static List<String> collectGarbage(Path root, boolean newer) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new java.nio.file.NoSuchFileException(root.toString(), null, "not a snapshot root directory");
    }
    try (FileChannel lockFile = lockFile(root);
         FileLock lock = lock(root, lockFile)) {
      List<String> removed = new ArrayList<>(leftovers(root));
      for (String name : removed) {
        Durable.deleteTree(root.resolve(name));
      }
      long current = Files.exists(root.resolve(SnapshotLayout.CURRENT)) ? SnapshotLayout.current(root) : -1;
      for (long v : SnapshotLayout.versions(root)) {
        if (v != current && (!hasManifest(root, v) || newer && v > current)) {
          removeVersion(root, SnapshotLayout.dirName(v));
          removed.add(SnapshotLayout.dirName(v));
        }
      }
      return removed;
    }
  }

  private static boolean hasManifest(Path root, long version) {
    try {
      return Manifest.read(root.resolve(SnapshotLayout.dirName(version)).resolve(SnapshotLayout.MANIFEST))
          .version() == version;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Points {@code CURRENT} at the new version; if that fails (a full disk, say) while the pointer
   * still names another version, the new version is removed again rather than left an orphan.
   */
  private void pointOrWithdraw(long version) throws IOException {
    try {
      hook.before(PublishStep.WRITE_POINTER);
      point(root, version, hook);
    } catch (IOException | RuntimeException e) {
      try {
        if (!namesVersion(version)) {
          Files.deleteIfExists(root.resolve(SnapshotLayout.POINTER_TEMP));
          removeVersion(root, SnapshotLayout.dirName(version));
        }
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private boolean namesVersion(long version) throws IOException {
    return Files.exists(root.resolve(SnapshotLayout.CURRENT)) && SnapshotLayout.current(root) == version;
  }

  private static void point(Path root, long version, StepHook hook) throws IOException {
    Path tmp = root.resolve(SnapshotLayout.POINTER_TEMP);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(java.nio.ByteBuffer.wrap((SnapshotLayout.dirName(version) + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    hook.before(PublishStep.SWAP_POINTER);
    Files.move(tmp, root.resolve(SnapshotLayout.CURRENT), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    Durable.force(root);
  }

  private static FileChannel lockFile(Path root) throws IOException {
    return FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private static FileLock lock(Path root, FileChannel channel) throws IOException {
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
    } catch (OverlappingFileLockException e) {
      // Another writer in this JVM holds it: the same refusal as another process.
    }
    throw new IOException(root + ": another publisher holds " + root.resolve(LOCK));
  }

  private long chooseVersion(long requested) throws IOException {
    List<Long> existing = SnapshotLayout.versions(root);
    long highest = existing.isEmpty() ? 0 : existing.getLast();
    if (requested == 0) {
      return highest + 1;
    }
    if (requested <= highest) {
      throw new IllegalArgumentException("snapshot version " + requested + " is not above the newest in "
          + root + " (" + highest + ")");
    }
    return requested;
  }

  private Manifest writeVersion(SnapshotSource source, long version) throws IOException {
    hook.before(PublishStep.CREATE_TEMP);
    Path tmp = Files.createDirectory(root.resolve(SnapshotLayout.TEMP_PREFIX + version + "-" + UUID.randomUUID()));
    try {
      hook.before(PublishStep.COPY_MODEL);
      Path model = tmp.resolve(SnapshotLayout.MODEL);
      copyTree(source.modelDir(), model);
      String fingerprint = ModelDirectory.fingerprint(model);
      hook.before(PublishStep.WRITE_INDEX);
      WrittenIndex index = source.shardFiles().isEmpty() ? writeIndex(source, tmp.resolve(SnapshotLayout.INDEX))
          : writeShards(source, tmp);
      List<Manifest.ItemHead> heads = writeHeadIndexes(source, tmp, index);
      hook.before(PublishStep.WRITE_IDS);
      ItemIds.write(tmp.resolve(SnapshotLayout.IDS), source.ids(), index.count);
      hook.before(PublishStep.WRITE_MANIFEST);
      String now = Instant.now().toString();
      String cutoff = source.itemCutoff() == null ? now : source.itemCutoff().toString();
      Manifest manifest = new Manifest(Manifest.FORMAT, version, now, fingerprint, index.info,
          index.count, entries(tmp), cutoff, heads);
      manifest.write(tmp.resolve(SnapshotLayout.MANIFEST));
      hook.before(PublishStep.SYNC);
      forceTree(tmp);
      hook.before(PublishStep.VERIFY);
      verify(source, tmp, version);
      hook.before(PublishStep.RENAME);
      Files.move(tmp, root.resolve(SnapshotLayout.dirName(version)), StandardCopyOption.ATOMIC_MOVE);
      Durable.force(root);
      return manifest;
    } catch (IOException | RuntimeException e) {
      try {
        Durable.deleteTree(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * The gate's verdict on the written version; its reason names the caller's files rather than
   * their copies under the temporary name, which is gone once the publish is refused.
   */
  private void verify(SnapshotSource source, Path tmp, long version) throws IOException {
    try {
      gate.verify(tmp, version);
    } catch (IOException | RuntimeException e) {
      String reason = String.valueOf(e.getMessage())
          .replace(tmp.resolve(SnapshotLayout.MODEL).toString(), source.modelDir().toString())
          .replace(tmp.toString(), "version " + version);
      if (source.indexFile() != null) {
        reason = reason.replace("version " + version + "/" + SnapshotLayout.INDEX, source.indexFile().toString());
      }
      throw new IOException("refusing to publish version " + version + " to " + root + ": " + reason, e);
    }
  }

  private record WrittenIndex(Manifest.IndexInfo info, int count) {}

  private static WrittenIndex writeIndex(SnapshotSource source, Path target) throws IOException {
    if (source.index() != null) {
      source.index().write(target);
    } else {
      checkIndexFile(source.indexFile());
      if (!source.link() || !tryLink(source.indexFile(), target)) {
        Files.copy(source.indexFile(), target);
      }
    }
    try (VectorIndex index = IndexFormats.open(target, false)) {
      checkOrdinalIds(index, source.indexFile() != null ? source.indexFile() : target);
      return new WrittenIndex(new Manifest.IndexInfo(index.kind(), source.params().asMap(),
          index.metric().shortName(), index.dimension()), index.size());
    }
  }

  /**
   * The indexes of item heads after the first, each like the first but for its vectors (whose
   * dimension is its head's).
   */
  private static List<Manifest.ItemHead> writeHeadIndexes(SnapshotSource source, Path dir, WrittenIndex first)
      throws IOException {
    List<Manifest.ItemHead> heads = new ArrayList<>();
    for (int h = 0; h < source.itemHeads().size(); h++) {
      String path = SnapshotLayout.headIndex(h);
      int dim = 0;
      if (h > 0) {
        SnapshotSource.ItemHead head = source.itemHeads().get(h);
        int shards = head.index() != null ? 1 : head.files().size();
        WrittenIndex index = head.index() != null
            ? writeIndex(SnapshotSource.of(source.modelDir(), head.index(), source.params()), dir.resolve(path))
            : writeFiles(head.files(), path, source, dir);
        if (!index.info.kind().equals(first.info.kind()) || !index.info.metric().equals(first.info.metric())
            || index.count != first.count || shards != Math.max(1, source.shardFiles().size())) {
          throw new IllegalArgumentException(dir.resolve(path) + ": item head " + h + "'s index differs from the "
              + "first in kind, metric, items or shards");
        }
        dim = index.info.dimension() == first.info.dimension() ? 0 : index.info.dimension();
      }
      heads.add(new Manifest.ItemHead(source.itemHeads().get(h).name(), path, dim));
    }
    return heads;
  }

  /** Copies (or links) the shard files as {@link SnapshotLayout#indexFiles}. */
  private static WrittenIndex writeShards(SnapshotSource source, Path dir) throws IOException {
    return writeFiles(source.shardFiles(), SnapshotLayout.INDEX, source, dir);
  }

  /**
   * Copies (or links) index {@code file}'s files, one or its shards, as
   * {@link SnapshotLayout#shardFiles}: one kind, metric and dimension, each over its own ordinals;
   * the item count is their sum.
   */
  private static WrittenIndex writeFiles(List<Path> files, String file, SnapshotSource source, Path dir)
      throws IOException {
    List<String> names = SnapshotLayout.shardFiles(file, files.size());
    Manifest.IndexInfo info = null;
    long count = 0;
    for (int s = 0; s < names.size(); s++) {
      SnapshotSource one = SnapshotSource.ofFile(source.modelDir(), files.get(s), source.params());
      WrittenIndex shard = writeIndex(source.link() ? one.linked() : one, dir.resolve(names.get(s)));
      if (info != null && !info.equals(shard.info)) {
        throw new IllegalArgumentException(files.get(s) + ": shard " + s + " is " + shard.info
            + ", shard 0 is " + info);
      }
      info = shard.info;
      count += shard.count;
    }
    return new WrittenIndex(info, Math.toIntExact(count));
  }

  /** Snapshot indexes hold ordinals; the id table maps them to item ids. */
  private static void checkOrdinalIds(VectorIndex index, Path file) {
    for (int i = 0; i < index.size(); i++) {
      if (index.id(i) != i) {
        throw new IllegalArgumentException(file + ": a snapshot index must be built without ids (its results are "
            + "item ordinals, mapped by the item id table), but ordinal " + i + " has id " + index.id(i));
      }
    }
  }

  /** Opens the file with its own checksum verified; IOException naming it when it is corrupt. */
  private static void checkIndexFile(Path file) throws IOException {
    IndexFormats.open(file, true).close();
  }

  private static boolean tryLink(Path source, Path target) {
    try {
      Files.createLink(target, source);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      throw new java.nio.file.NoSuchFileException(from.toString(), null, "model directory not found");
    }
    for (Path file : Durable.files(from)) {
      Path target = to.resolve(from.relativize(file).toString());
      Files.createDirectories(target.getParent());
      Files.copy(file, target);
    }
  }

  private static List<Manifest.FileEntry> entries(Path dir) throws IOException {
    List<Manifest.FileEntry> entries = new ArrayList<>();
    for (Path file : Durable.files(dir)) {
      String rel = dir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
      entries.add(new Manifest.FileEntry(rel, Files.size(file), Durable.crc32c(file)));
    }
    return entries;
  }

  /** Files first, then directories deepest first, so every entry is durable before its parent. */
  private static void forceTree(Path dir) throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        if (Files.isDirectory(p)) {
          dirs.add(p);
        } else {
          Durable.force(p);
        }
      }
    }
    for (Path d : dirs.reversed()) {
      Durable.force(d);
    }
  }

  private void removeLeftovers() throws IOException {
    for (String name : leftovers(root)) {
      Durable.deleteTree(root.resolve(name));
    }
  }

  /** The names of what killed publishes leave: the pointer's temporary file, temporary directories. */
  private static List<String> leftovers(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    if (Files.exists(root.resolve(SnapshotLayout.POINTER_TEMP))) {
      names.add(SnapshotLayout.POINTER_TEMP);
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, SnapshotLayout.TEMP_PREFIX + "*")) {
      for (Path p : entries) {
        names.add(p.getFileName().toString());
      }
    }
    return names;
  }

  /**
   * A version is first renamed to a temporary name, atomically, so that a crash in the middle of
   * deleting it leaves a leftover for the next publish rather than a half version directory.
   */
  private void prune(long current) throws IOException {
    List<Long> versions = SnapshotLayout.versions(root);
    for (int i = 0; i < versions.size() - retain; i++) {
      if (versions.get(i) != current) {
        removeVersion(root, SnapshotLayout.dirName(versions.get(i)));
      }
    }
  }

  private static void removeVersion(Path root, String name) throws IOException {
    Path doomed = root.resolve(SnapshotLayout.TEMP_PREFIX + "pruned-" + name);
    Files.move(root.resolve(name), doomed, StandardCopyOption.ATOMIC_MOVE);
    Durable.deleteTree(doomed);
  }
}

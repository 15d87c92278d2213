package dev.quiver.serving.snapshot;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.ShardedIndex;
import dev.quiver.engine.VectorIndex;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Loads one snapshot directory, refusing it with an {@link IOException} that names the file and
 * the fault unless everything holds: the manifest parses and validates and names its directory's
 * version; every listed file exists with its recorded size (and, by the {@link Verification}
 * setting, its CRC32C and the index's and id table's own checksums, so that a file corrupted
 * before it was copied into a snapshot is refused too); the model's fingerprint equals the manifest's, so an index is
 * never paired with a model it was not built with; the index, the id table and the model agree
 * with the manifest on kind, metric, dimension and item count. Then the files are mapped into one
 * shared arena, the model loaded into it, and the warm-up run. Nothing is left mapped on failure.
 *
 * <p>Immutable and thread-safe; loads may run concurrently.
 */
public final class SnapshotLoader<M extends AutoCloseable> {
  private final ModelLoader<M> models;
  private final Verification verification;
  private final Warmup<M> warmup;
  private final Executor reaper;
  private final Executor verifier;
  private final double cpuShare;

  private SnapshotLoader(ModelLoader<M> models, Verification verification, Warmup<M> warmup, Executor reaper,
                         Executor verifier, double cpuShare) {
    this.models = models;
    this.verification = verification;
    this.warmup = warmup;
    this.reaper = reaper;
    this.verifier = verifier;
    this.cpuShare = cpuShare;
  }

  /** Full verification, no warm-up, the default background threads. */
  public static <M extends AutoCloseable> SnapshotLoader<M> of(ModelLoader<M> models) {
    return new SnapshotLoader<>(models, Verification.FULL, Warmup.none(), Background.Reaper.EXECUTOR,
        Background.Verifier.EXECUTOR, 1);
  }

  public SnapshotLoader<M> verification(Verification v) {
    return new SnapshotLoader<>(models, v, warmup, reaper, verifier, cpuShare);
  }

  public SnapshotLoader<M> warmup(Warmup<M> w) {
    return new SnapshotLoader<>(models, verification, w, reaper, verifier, cpuShare);
  }

  /** Where retired snapshots are freed and background checksums run (tests run them inline). */
  public SnapshotLoader<M> executors(Executor reaperExecutor, Executor verifierExecutor) {
    return new SnapshotLoader<>(models, verification, warmup, reaperExecutor, verifierExecutor, cpuShare);
  }

  /**
   * The share (0, 1] of one core that checksumming may use (default 1): below 1 it pauses between
   * chunks, so a load takes longer but leaves the request threads their cores.
   */
  public SnapshotLoader<M> checksumCpuShare(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("checksum CPU share must be in (0, 1], got " + share);
    }
    return new SnapshotLoader<>(models, verification, warmup, reaper, verifier, share);
  }

  public Verification verification() {
    return verification;
  }

  /** Loads, checks and warms the snapshot in {@code dir}; the caller serves or retires it. */
  public Snapshot<M> load(Path dir) throws IOException {
    return load(dir, SnapshotLayout.version(dir.getFileName().toString()));
  }

  /**
   * Loads the snapshot of {@code version} from {@code dir}, whatever the directory is called: how
   * a version is verified while it still has its temporary name, before it is published.
   */
  public Snapshot<M> load(Path dir, long named) throws IOException {
    Manifest manifest = Manifest.read(dir.resolve(SnapshotLayout.MANIFEST));
    if (named != manifest.version()) {
      throw new IOException(dir + ": manifest of version " + manifest.version() + " in the directory of " + named);
    }
    checkSizes(dir, manifest);
    if (verification == Verification.FULL) {
      checkChecksums(dir, manifest, cpuShare);
    }
    checkFingerprint(dir, manifest);
    Arena arena = Arena.ofShared();
    List<VectorIndex> indexes = new ArrayList<>();
    M model = null;
    try {
      boolean full = verification == Verification.FULL;
      for (int h = 0; h < manifest.indexPaths().size(); h++) {
        indexes.add(openIndex(dir, manifest, h, arena, full));
      }
      IdMap ids = ItemIds.open(dir.resolve(SnapshotLayout.IDS), arena, manifest.itemCount(), full);
      model = loadModel(dir, manifest, arena);
      Snapshot<M> snapshot = Snapshot.assemble(manifest, dir, model, indexes, ids, arena, reaper);
      warm(snapshot);
      if (verification == Verification.SIZES_THEN_BACKGROUND) {
        snapshot.verification(
            CompletableFuture.runAsync(() -> checkInBackground(dir, manifest, cpuShare), verifier));
      }
      return snapshot;
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(e, model);
      for (VectorIndex index : indexes) {
        closeQuietly(e, index);
      }
      arena.close();
      throw e;
    }
  }

  private static void checkSizes(Path dir, Manifest manifest) throws IOException {
    for (Manifest.FileEntry f : manifest.files()) {
      Path file = dir.resolve(f.path());
      if (!Files.isRegularFile(file)) {
        throw new NoSuchFileException(file.toString(), null, "listed in the snapshot manifest but missing");
      }
      long size = Files.size(file);
      if (size != f.size()) {
        throw new IOException(file + ": " + size + " bytes, the snapshot manifest records " + f.size()
            + (size < f.size() ? " (truncated)" : ""));
      }
    }
  }

  static void checkChecksums(Path dir, Manifest manifest, double cpuShare) throws IOException {
    for (Manifest.FileEntry f : manifest.files()) {
      Path file = dir.resolve(f.path());
      String crc = Durable.crc32c(file, cpuShare);
      if (!crc.equals(f.crc32c())) {
        throw new IOException(file + ": checksum mismatch: CRC32C " + crc + ", the snapshot manifest records "
            + f.crc32c() + ": the file is corrupt");
      }
    }
  }

  private static void checkInBackground(Path dir, Manifest manifest, double cpuShare) {
    try {
      checkChecksums(dir, manifest, cpuShare);
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }

  private static void checkFingerprint(Path dir, Manifest manifest) throws IOException {
    String actual = ModelDirectory.fingerprint(dir.resolve(SnapshotLayout.MODEL));
    if (!actual.equals(manifest.modelFingerprint())) {
      throw new IOException(dir + ": model fingerprint mismatch: the index was built with model "
          + manifest.modelFingerprint() + ", the model beside it is " + actual);
    }
  }

  /**
   * Item head {@code head}'s index (the index, for one head), or for a sharded snapshot its shards
   * searched as one ({@link ShardedIndex}): like the first head's in all but its vectors.
   */
  private static VectorIndex openIndex(Path dir, Manifest m, int head, Arena arena, boolean ownChecksum)
      throws IOException {
    List<VectorIndex> shards = new ArrayList<>();
    try {
      for (String name : m.indexFiles(head)) {
        shards.add(IndexFormats.open(dir.resolve(name), ownChecksum, arena));
      }
      VectorIndex index = ShardedIndex.of(shards);
      check(dir.resolve(m.indexFiles(head).getFirst()), index, m, m.dimension(head));
      return index;
    } catch (IllegalArgumentException e) {
      shards.forEach(VectorIndex::close);
      throw new IOException(dir + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      shards.forEach(VectorIndex::close);
      throw e;
    }
  }

  private static void check(Path file, VectorIndex index, Manifest m, int dimension) throws IOException {
    Manifest.IndexInfo info = m.index();
    if (!index.kind().equals(info.kind()) || index.metric() != m.metric() || index.dimension() != dimension
        || index.size() != m.itemCount()) {
      String found = index.kind() + ", " + index.metric().shortName() + ", dimension " + index.dimension() + ", "
          + index.size() + " items";
      throw new IOException(file + ": index is " + found + "; the manifest records " + info.kind() + ", "
          + info.metric() + ", dimension " + dimension + ", " + m.itemCount() + " items");
    }
  }

  private M loadModel(Path dir, Manifest manifest, Arena arena) throws IOException {
    M model = models.load(dir.resolve(SnapshotLayout.MODEL), arena);
    int dim = models.dimension(model);
    if (dim >= 0 && dim != manifest.index().dimension()) {
      closeQuietly(null, model);
      throw new IOException(dir + ": the model produces vectors of dimension " + dim + ", the index holds "
          + manifest.index().dimension());
    }
    return model;
  }

  private void warm(Snapshot<M> snapshot) throws IOException {
    try {
      warmup.warm(snapshot);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(snapshot.directory() + ": warm-up failed: " + e, e);
    }
  }

  private static void closeQuietly(Throwable primary, AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      if (primary != null) {
        primary.addSuppressed(e);
      }
    }
  }
}

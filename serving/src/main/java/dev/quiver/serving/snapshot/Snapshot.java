package dev.quiver.serving.snapshot;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded version: a model and an item index built by that model, with the item id table,
 * all mapped into one shared {@link Arena}. Readers use it through a {@link Lease} from the
 * {@link SnapshotManager}.
 *
 * <p>Lifetime: a reference count that starts at one, held by whoever serves the snapshot (the
 * manager while it is current). Each lease adds one; {@link #retire()} drops the server's. The
 * count only rises from a positive value (compare-and-set), so once it reaches zero no reader can
 * take it back up: a retired, drained snapshot is never resurrected. At zero the model, the index
 * and the arena are closed on the reaper executor, not on the thread that released the last lease,
 * because closing a shared arena waits for every thread to reach a safepoint.
 *
 * <p>Thread-safe. Searches follow the index's thread-safety (all kinds: any number of threads).
 */
public final class Snapshot<M extends AutoCloseable> {
  private final Manifest manifest;
  private final Path directory;
  private final M model;
  private final List<VectorIndex> indexes;
  private final IdMap ids;
  private final Arena arena;
  private final Executor reaper;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean retired = new AtomicBoolean();
  private final CompletableFuture<Long> freed = new CompletableFuture<>();
  private volatile CompletableFuture<Void> verification = CompletableFuture.completedFuture(null);

  private Snapshot(Manifest manifest, Path directory, M model, List<VectorIndex> indexes, IdMap ids, Arena arena,
                   Executor reaper) {
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.directory = directory;
    this.model = Objects.requireNonNull(model, "model");
    this.indexes = List.copyOf(indexes);
    this.ids = Objects.requireNonNull(ids, "ids");
    this.arena = Objects.requireNonNull(arena, "arena");
    this.reaper = Objects.requireNonNull(reaper, "reaper");
  }

  /**
   * A snapshot of opened parts, which it owns from here on: the model, the index and
   * {@code arena} are closed, in that order, on {@code reaper} once the snapshot is retired and
   * its last lease released. {@link SnapshotLoader} assembles the snapshots it loads this way.
   */
  public static <M extends AutoCloseable> Snapshot<M> assemble(Manifest manifest, Path directory, M model,
                                                              VectorIndex index, IdMap ids, Arena arena,
                                                              Executor reaper) {
    return assemble(manifest, directory, model, List.of(index), ids, arena, reaper);
  }

  /** As {@link #assemble(Manifest, Path, AutoCloseable, VectorIndex, IdMap, Arena, Executor)}, one index per item head. */
  public static <M extends AutoCloseable> Snapshot<M> assemble(Manifest manifest, Path directory, M model,
                                                              List<VectorIndex> indexes, IdMap ids, Arena arena,
                                                              Executor reaper) {
    for (VectorIndex index : indexes) {
      if (ids.size() != index.size()) {
        throw new IllegalArgumentException("id table of " + ids.size() + " items for an index of " + index.size());
      }
    }
    return new Snapshot<>(manifest, directory, model, indexes, ids, arena, reaper);
  }

  public long version() {
    return manifest.version();
  }

  public Manifest manifest() {
    return manifest;
  }

  /** The version's directory (null for one assembled in memory). */
  public Path directory() {
    return directory;
  }

  public M model() {
    return model;
  }

  /** The item index (the first item head's); its results are item ordinals (see {@link #search}). */
  public VectorIndex index() {
    return indexes.getFirst();
  }

  /** Item head {@code head}'s index. */
  public VectorIndex index(int head) {
    return indexes.get(head);
  }

  /** The number of item heads, each with its index: 1 unless the item tower has several. */
  public int itemHeads() {
    return indexes.size();
  }

  /** Item ordinal to item id and back. */
  public IdMap ids() {
    return ids;
  }

  /**
   * The best {@code k} items for {@code query}, with their item ids, into {@code out}.
   * Allocates nothing.
   */
  public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    search(0, query, k, filter, params, out);
  }

  /** As {@link #search(float[], int, OrdinalFilter, Params, SearchResults)} in item head {@code head}'s index. */
  public void search(int head, float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    indexes.get(head).search(query, k, filter, params, out);
    for (int i = 0; i < out.count(); i++) {
      out.replaceId(i, ids.id((int) out.id(i)));
    }
  }

  /** Completes when the background checksum verification ends (at once after a full one). */
  public CompletableFuture<Void> verification() {
    return verification;
  }

  void verification(CompletableFuture<Void> pending) {
    verification = pending;
  }

  /** Completes with the version once the memory is freed. */
  public CompletableFuture<Long> freed() {
    return freed;
  }

  /** True once retired: no new lease can be taken once the leases held are released. */
  public boolean isRetired() {
    return retired.get();
  }

  /** Takes one reference unless the count has reached zero; never revives a freed snapshot. */
  boolean tryAcquire() {
    for (int r = refs.get(); r > 0; r = refs.get()) {
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Drops one reference; the last one hands the snapshot to the reaper. */
  void release() {
    int r = refs.decrementAndGet();
    if (r == 0) {
      reaper.execute(this::free);
    } else if (r < 0) {
      throw new IllegalStateException("snapshot " + version() + " released more often than acquired");
    }
  }

  /**
   * Drops the server's reference, once: called when the snapshot stops being current. Its memory
   * is freed when the last lease is released (at once if there is none).
   */
  public void retire() {
    if (retired.compareAndSet(false, true)) {
      release();
    }
  }

  private void free() {
    try {
      model.close();
      for (VectorIndex index : indexes) {
        index.close();
      }
      arena.close();
      freed.complete(version());
    } catch (Throwable t) {
      freed.completeExceptionally(t);
    }
  }

  @Override
  public String toString() {
    return "snapshot " + version() + " (" + manifest.index().kind() + ", " + manifest.itemCount() + " items)";
  }
}

package dev.quiver.jcstress;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.IdMap;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotLoader;
import dev.quiver.serving.snapshot.SnapshotManager;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Two-item snapshots small enough to make one per stress iteration. Version {@code v} answers the
 * query {@code (1, 0, 0, 0)} with item id {@code 100 v + 1}, and its model's weights, in the
 * snapshot's shared arena, hold {@code v}. Freed memory reads as -1 (the JDK's
 * IllegalStateException on a closed arena), so a forbidden outcome shows a reader touching it.
 */
final class TinySnapshots {
  static final long FREED = -1;
  static final long REFUSED = -2;
  private static final float[] QUERY = {1, 0, 0, 0};
  private static final String FINGERPRINT = "0".repeat(64);

  private TinySnapshots() {}

  /** A model whose weights (one long) live in the snapshot's arena. */
  static final class Model implements AutoCloseable {
    final MemorySegment weights;

    Model(Arena arena, long version) {
      weights = arena.allocate(Long.BYTES, Long.BYTES);
      weights.set(ValueLayout.JAVA_LONG, 0, version);
    }

    long version() {
      return weights.get(ValueLayout.JAVA_LONG, 0);
    }

    @Override
    public void close() { }
  }

  /** Version {@code v}, freed on the releasing thread so that the arbiter sees it done. */
  static Snapshot<Model> snapshot(long v) {
    Arena arena = Arena.ofShared();
    MemorySegment ids = arena.allocate(2 * Long.BYTES, Long.BYTES);
    ids.setAtIndex(ValueLayout.JAVA_LONG, 0, 100 * v + 1);
    ids.setAtIndex(ValueLayout.JAVA_LONG, 1, 100 * v + 2);
    FlatIndex index;
    try (VectorStore rows = VectorStore.allocate(4, 2)) {
      rows.add(new float[] {1, 0, 0, 0});
      rows.add(new float[] {0, 1, 0, 0});
      index = FlatIndex.build(rows, null, Metric.INNER_PRODUCT);
    }
    Manifest manifest = new Manifest(Manifest.FORMAT, v, "2026-01-01T00:00:00Z", FINGERPRINT,
        new Manifest.IndexInfo(index.kind(), Map.of(), "ip", 4), 2, List.of());
    return Snapshot.assemble(manifest, null, new Model(arena, v), index, IdMap.of(ids, 2), arena, Runnable::run);
  }

  /** A manager serving {@code first}, swapped only through {@link SnapshotManager#install}. */
  static SnapshotManager<Model> manager(Snapshot<Model> first) {
    SnapshotManager<Model> m = new SnapshotManager<>(Path.of("unused"),
        SnapshotLoader.of((dir, arena) -> new Model(arena, 0)), new SnapshotListener() { }, Duration.ZERO);
    m.install(first);
    return m;
  }

  /** Reads through a lease: r[0] its version, r[1] the top item id, r[2] the model's weights. */
  static void read(SnapshotManager<Model> manager, long[] r) {
    try (Lease<Model> lease = manager.acquire()) {
      r[0] = lease.version();
      try {
        SearchResults out = new SearchResults(1);
        lease.search(QUERY, 1, null, Params.DEFAULT, out);
        r[1] = out.id(0);
        r[2] = lease.model().version();
      } catch (IllegalStateException freed) {
        r[1] = FREED;
        r[2] = FREED;
      }
    } catch (IllegalStateException closed) {
      r[0] = REFUSED;
      r[1] = REFUSED;
      r[2] = REFUSED;
    }
  }

  /** 1 when the snapshot's memory was freed without error, 0 when still mapped. */
  static long freed(Snapshot<Model> s) {
    return s.freed().isDone() && !s.freed().isCompletedExceptionally() ? 1 : 0;
  }
}

package dev.quiver.serving.snapshot;

import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;

/**
 * A reader's hold on one {@link Snapshot}, taken from {@link SnapshotManager#acquire()} for the
 * whole of a request, so that the user tower and the search use the same snapshot:
 *
 * <pre>{@code
 * try (Lease<TowerModel> lease = manager.acquire()) {
 *   float[] user = lease.model().user(features);
 *   lease.search(user, 100, null, params, results);
 * }
 * }</pre>
 *
 * The snapshot's memory stays mapped until every lease on it is closed. Not thread-safe: one
 * request, one thread. Closing twice releases once. A released lease may be taken again with
 * {@link SnapshotManager#acquire(Lease)}, which saves allocating one per request.
 */
public final class Lease<M extends AutoCloseable> implements AutoCloseable {
  private Snapshot<M> snapshot;
  private boolean released;

  Lease(Snapshot<M> snapshot) {
    this.snapshot = snapshot;
  }

  /** Holds {@code s}, of which the caller has taken a reference, from now on. */
  void hold(Snapshot<M> s) {
    snapshot = s;
    released = false;
  }

  void checkReleased() {
    if (!released) {
      throw new IllegalStateException("lease on " + snapshot + " is still held");
    }
  }

  public Snapshot<M> snapshot() {
    checkHeld();
    return snapshot;
  }

  public long version() {
    return snapshot.version();
  }

  public M model() {
    checkHeld();
    return snapshot.model();
  }

  public VectorIndex index() {
    checkHeld();
    return snapshot.index();
  }

  /** Item head {@code head}'s index. */
  public VectorIndex index(int head) {
    checkHeld();
    return snapshot.index(head);
  }

  /** {@link Snapshot#search} in item head {@code head}'s index: results carry item ids. */
  public void search(int head, float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    checkHeld();
    snapshot.search(head, query, k, filter, params, out);
  }

  /** {@link Snapshot#search}: results carry item ids. */
  public void search(float[] query, int k, OrdinalFilter filter, Params params, SearchResults out) {
    checkHeld();
    snapshot.search(query, k, filter, params, out);
  }

  private void checkHeld() {
    if (released) {
      throw new IllegalStateException("lease on " + snapshot + " is already released");
    }
  }

  @Override
  public void close() {
    if (!released) {
      released = true;
      snapshot.release();
    }
  }
}

package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.serving.snapshot.SnapshotManager;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJJ_Result;

/**
 * A reader leases while the manager closes and retires the last snapshot: the reader either
 * holds the snapshot, whole, until it releases it, or is refused; the snapshot is never leased
 * again after its count reached zero, and is freed in every case.
 */
@JCStressTest
@Outcome(id = "1, 101, 1, 1", expect = ACCEPTABLE, desc = "leased before the retirement; freed after the lease")
@Outcome(id = "-2, -2, -2, 1", expect = ACCEPTABLE, desc = "refused: the manager was closed first")
@Outcome(expect = FORBIDDEN, desc = "freed memory read, a resurrected snapshot, or never freed")
@State
public class LeaseRetireTest {
  private final Snapshot<TinySnapshots.Model> only = TinySnapshots.snapshot(1);
  private final SnapshotManager<TinySnapshots.Model> manager = TinySnapshots.manager(only);

  @Actor
  public void reader(JJJJ_Result r) {
    long[] seen = new long[3];
    TinySnapshots.read(manager, seen);
    r.r1 = seen[0];
    r.r2 = seen[1];
    r.r3 = seen[2];
  }

  @Actor
  public void closer() {
    manager.close();
  }

  @Arbiter
  public void arbiter(JJJJ_Result r) {
    r.r4 = TinySnapshots.freed(only);
  }
}

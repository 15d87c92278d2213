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
 * A reader leases and searches while a writer swaps version 2 in: the reader sees all of version
 * 1 or all of version 2, never freed memory; once both are done version 1 is freed.
 */
@JCStressTest
@Outcome(id = "1, 101, 1, 1", expect = ACCEPTABLE, desc = "leased version 1 before the swap; freed after the lease")
@Outcome(id = "2, 201, 2, 1", expect = ACCEPTABLE, desc = "leased version 2 after the swap")
@Outcome(expect = FORBIDDEN, desc = "freed memory read, versions mixed, or version 1 never freed")
@State
public class LeaseSwapTest {
  private final Snapshot<TinySnapshots.Model> first = TinySnapshots.snapshot(1);
  private final Snapshot<TinySnapshots.Model> second = TinySnapshots.snapshot(2);
  private final SnapshotManager<TinySnapshots.Model> manager = TinySnapshots.manager(first);

  @Actor
  public void reader(JJJJ_Result r) {
    long[] seen = new long[3];
    TinySnapshots.read(manager, seen);
    r.r1 = seen[0];
    r.r2 = seen[1];
    r.r3 = seen[2];
  }

  @Actor
  public void swapper() {
    manager.install(second);
  }

  @Arbiter
  public void arbiter(JJJJ_Result r) {
    r.r4 = TinySnapshots.freed(first);
    manager.close();
  }
}

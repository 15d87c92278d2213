package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.quiver.serving.snapshot.SnapshotManager;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * The writer builds version 2 (index, id table, model weights in a new arena) and publishes it
 * while a reader leases: a reader that sees version 2 sees every part of it, fully written.
 */
@JCStressTest
@Outcome(id = "1, 101, 1", expect = ACCEPTABLE, desc = "version 1, whole")
@Outcome(id = "2, 201, 2", expect = ACCEPTABLE, desc = "version 2, whole")
@Outcome(expect = FORBIDDEN, desc = "a half-published or freed snapshot")
@State
public class PublishVisibilityTest {
  private final SnapshotManager<TinySnapshots.Model> manager = TinySnapshots.manager(TinySnapshots.snapshot(1));

  @Actor
  public void publisher() {
    manager.install(TinySnapshots.snapshot(2));
  }

  @Actor
  public void reader(JJJ_Result r) {
    long[] seen = new long[3];
    TinySnapshots.read(manager, seen);
    r.r1 = seen[0];
    r.r2 = seen[1];
    r.r3 = seen[2];
  }

  @Arbiter
  public void close(JJJ_Result r) {
    manager.close();
  }
}

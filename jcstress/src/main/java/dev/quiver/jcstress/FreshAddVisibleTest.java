package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.quiver.serving.recall.DeltaSegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * A writer adds an item to an exactly scanned delta and to one searched through its graph, then
 * says so; a searcher that heard it must find the item in both.
 */
@JCStressTest
@Outcome(id = {"0, 0, 0, 0", "0, 0, 1, 0", "0, 0, 0, 1", "0, 0, 1, 1"}, expect = ACCEPTABLE,
    desc = "searched before the add returned")
@Outcome(id = {"1, 1, 1, 1"}, expect = ACCEPTABLE, desc = "searched after the add returned: found in both")
@Outcome(expect = FORBIDDEN, desc = "an add that returned is not visible, or an item found twice")
@State
public class FreshAddVisibleTest {
  private final DeltaSegment flat = FreshDeltas.segment(false);
  private final DeltaSegment graph = FreshDeltas.segment(true);
  private volatile int added;

  @Actor
  public void writer() {
    flat.put(FreshDeltas.ITEM, FreshDeltas.vector(1), 0);
    graph.put(FreshDeltas.ITEM, FreshDeltas.vector(1), 0);
    added = 1;
  }

  @Actor
  public void searcher(IIII_Result r) {
    int heard = added;
    r.r1 = heard;
    r.r2 = heard;
    r.r3 = FreshDeltas.occurrences(flat);
    r.r4 = FreshDeltas.occurrences(graph);
  }
}

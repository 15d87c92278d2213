package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.quiver.serving.recall.DeltaSegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * An item of a graph delta is replaced by a new vector, then another is taken down: a search
 * never finds the replaced item twice, and once the takedown returned never misses the
 * replacement nor finds the item taken down.
 */
@JCStressTest
@Outcome(id = {"0, 1, 1", "0, 1, 0", "0, 0, 1", "0, 0, 0"}, expect = ACCEPTABLE,
    desc = "searched before the takedown returned; the replaced item once, or missed during its replacement")
@Outcome(id = {"1, 0, 1"}, expect = ACCEPTABLE, desc = "searched after the takedown returned: the replacement is in")
@Outcome(expect = FORBIDDEN, desc = "a taken-down item found after its takedown returned, or an item twice")
@State
public class FreshRemoveReplaceTest {
  private static final long DOOMED = 5;
  private final DeltaSegment graph = FreshDeltas.segment(true);
  private volatile int removed;

  public FreshRemoveReplaceTest() {
    graph.put(FreshDeltas.ITEM, FreshDeltas.vector(1), 0);
    graph.put(DOOMED, new float[] {0, 0, 0, 0.9f}, 0);
  }

  /** One writer, as the fresh items' lock makes them: a replacement, then a takedown. */
  @Actor
  public void writer() {
    graph.put(FreshDeltas.ITEM, FreshDeltas.vector(2), 0);
    graph.remove(DOOMED);
    removed = 1;
  }

  @Actor
  public void searcher(III_Result r) {
    int heard = removed;
    dev.quiver.engine.SearchResults out = new dev.quiver.engine.SearchResults(5);
    graph.search(FreshDeltas.QUERY, 5, null, out);
    int doomed = 0;
    int item = 0;
    for (int i = 0; i < out.count(); i++) {
      doomed += out.id(i) == DOOMED ? 1 : 0;
      item += out.id(i) == FreshDeltas.ITEM ? 1 : 0;
    }
    r.r1 = heard;
    r.r2 = doomed;
    r.r3 = item;
  }
}

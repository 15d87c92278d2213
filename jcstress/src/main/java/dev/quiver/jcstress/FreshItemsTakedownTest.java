package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Through {@code FreshItems} and a recall, with group commit: one caller adds an item while
 * another takes the same id down and then recalls it. r1: the add had returned before the
 * takedown started (so the takedown is the later record); r2: found by the recall after the
 * takedown returned; r3: found once both were done. Whichever record of the id is later in the
 * log wins, and what a recall saw stays true.
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "takedown after the add: gone")
@Outcome(id = {"0, 0, 0", "0, 0, 1"}, expect = ACCEPTABLE,
    desc = "raced: takedown last, or add last and applied after the recall")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "raced, add last and applied before the recall")
@Outcome(id = {"1, 1, 0", "1, 1, 1", "1, 0, 1"}, expect = FORBIDDEN,
    desc = "an item taken down after its add returned came back")
@Outcome(id = "0, 1, 0", expect = FORBIDDEN, desc = "a recall saw the add win, then it was lost")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class FreshItemsTakedownTest {
  private static final FreshServing SERVING = FreshServing.start();
  private final long id = SERVING.newId();
  private volatile int added;

  @Actor
  public void adder() {
    SERVING.add(id);
    added = 1;
  }

  @Actor
  public void removerThenRecaller(III_Result r) {
    r.r1 = added;
    SERVING.fresh.remove(new long[] {id}, 1);
    r.r2 = SERVING.found(id);
  }

  @Arbiter
  public void after(III_Result r) {
    r.r3 = SERVING.found(id);
  }
}

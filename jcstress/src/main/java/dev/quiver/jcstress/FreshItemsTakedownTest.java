package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Through {@code FreshItems} and a recall, with group commit: one caller adds an item; another
 * takes the same id down once it has seen the add return; a third recalls it. r1, r2: the
 * recaller had seen the add, the takedown return; r3: found; r4: the takedown was made.
 */
@JCStressTest
@Outcome(id = {"0, 0, 0, 0", "0, 0, 1, 0", "0, 0, 0, 1", "0, 0, 1, 1"}, expect = ACCEPTABLE,
    desc = "recalled before the add returned")
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "added, never taken down: found")
@Outcome(id = {"1, 0, 0, 1", "1, 0, 1, 1"}, expect = ACCEPTABLE, desc = "recalled while the takedown ran")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "recalled after the takedown returned: gone")
@Outcome(id = "1, 0, 0, 0", expect = FORBIDDEN, desc = "an add that returned is not found by a later recall")
@Outcome(id = "1, 1, 1, 1", expect = FORBIDDEN, desc = "a taken-down item came back")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class FreshItemsTakedownTest {
  private static final FreshServing SERVING = FreshServing.start();
  private final long id = SERVING.newId();
  private volatile int added;
  private volatile int removed;

  @Actor
  public void adder() {
    SERVING.add(id);
    added = 1;
  }

  @Actor
  public void remover(IIII_Result r) {
    if (added == 1) {
      SERVING.fresh.remove(new long[] {id}, 1);
      removed = 1;
      r.r4 = 1;
    }
  }

  @Actor
  public void recaller(IIII_Result r) {
    // The takedown flag first: having seen it implies the add had returned too.
    r.r2 = removed;
    r.r1 = added;
    r.r3 = SERVING.found(id);
  }
}

package dev.quiver.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Instant;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * An add races a swap to the next version (prepared, then served): the add must reach the new
 * version's delta whether it lands before the preparation, during it or after. r1: the add had
 * returned when the swapper, its swap done, recalled the item; r2: found then; r3: found once
 * both were done.
 */
@JCStressTest
@Outcome(id = {"0, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "recalled before the add returned")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "recalled after the add returned: found")
@Outcome(id = {"1, 0, 1", "1, 0, 0"}, expect = FORBIDDEN, desc = "an add that returned is not found by a later recall")
@Outcome(expect = FORBIDDEN, desc = "the add was lost by the swap")
@State
public class FreshItemsSwapTest {
  private static final FreshServing SERVING = FreshServing.start();
  private final long id = SERVING.newId();
  /** Before the add: the next version's build read its items then. */
  private final Instant cutoff = Instant.now();
  private volatile int added;

  @Actor
  public void adder() {
    SERVING.add(id);
    added = 1;
  }

  @Actor
  public void swapperThenRecaller(III_Result r) {
    SERVING.swap(cutoff);
    r.r1 = added;
    r.r2 = SERVING.found(id);
  }

  @Arbiter
  public void after(III_Result r) {
    r.r3 = SERVING.found(id);
  }
}

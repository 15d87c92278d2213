package dev.quiver.tools.tune;

import dev.quiver.engine.Params;
import dev.quiver.tools.sweep.SweepRow;
import java.util.Comparator;

/**
 * What one candidate came to on one base: its build, the smallest search setting found to reach
 * the target (or its best recall when none did) and that point's row; or why it was left out.
 *
 * @param row the chosen point's measurement; null when the candidate was excluded before searching
 * @param excluded why the candidate breaks a budget; null when it keeps within them all
 */
public record Outcome(Candidate candidate, Params build, Params search, SweepRow row, boolean reached,
                      String excluded) {
  /**
   * Best first: within the budgets and reaching the target, by queries per second; then within
   * the budgets, by recall; then the rest by recall.
   */
  static final Comparator<Outcome> BEST_FIRST = Comparator.comparingInt(Outcome::rank)
      .thenComparing(Comparator.comparingDouble(Outcome::score).reversed());

  /** Within every budget and at the target recall. */
  public boolean meets() {
    return excluded == null && reached;
  }

  private int rank() {
    return meets() ? 0 : excluded == null ? 1 : row != null ? 2 : 3;
  }

  private double score() {
    return row == null ? 0 : meets() ? row.qps() : row.recall();
  }

  /** The candidate with its build and search parameters, for the log. */
  public String describe() {
    return candidate.kind() + " " + show(build) + " at " + show(search);
  }

  private static String show(Params p) {
    return p.toString().isEmpty() ? "defaults" : p.toString();
  }
}

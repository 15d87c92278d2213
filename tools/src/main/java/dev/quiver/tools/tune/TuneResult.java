package dev.quiver.tools.tune;

import dev.quiver.tools.sweep.SweepRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a tuning run found: every measured row, the pick (null when every candidate broke a
 * budget before it could be searched), its measurement on the held-out queries, and why it won.
 *
 * @param rows every configuration measured, in order (subsample, full base, held-out)
 * @param front the recall/qps Pareto front of the full-base rows on the tuning queries
 * @param choice the pick, or null
 * @param heldOut the pick measured on the held-out queries, or null without a pick
 */
public record TuneResult(List<SweepRow> rows, List<SweepRow> front, Outcome choice, SweepRow heldOut, String why) {
  public static final String CHOICE = "choice.txt";

  /** Whether the pick reaches the target within every budget. */
  public boolean met() {
    return choice != null && choice.meets();
  }

  /**
   * The two lines of choice.txt, {@code --index K --build k=v,...} and {@code --search k=v,...},
   * as the sweep and build-snapshot take them.
   */
  public List<String> choiceLines() {
    return List.of("--index " + choice.candidate().kind() + " --build " + choice.build(),
        "--search " + choice.search());
  }

  public void writeChoice(Path file) throws IOException {
    Files.write(file, choiceLines());
  }

  /** Rows no other row beats on both recall and qps, by recall. */
  static List<SweepRow> paretoFront(List<SweepRow> rows) {
    List<SweepRow> front = new ArrayList<>();
    for (SweepRow r : rows) {
      boolean dominated = rows.stream().anyMatch(o -> o != r && o.recall() >= r.recall() && o.qps() >= r.qps()
          && (o.recall() > r.recall() || o.qps() > r.qps()));
      if (!dominated) {
        front.add(r);
      }
    }
    front.sort(Comparator.comparingDouble(SweepRow::recall));
    return front;
  }
}

package dev.quiver.tools.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {
  @Test
  void columnsLineUpWhateverTheWidths() {
    List<SweepRow> rows = List.of(
        new SweepRow("quiver-flat", "", "", 10, 1.0, 34.25, 29147.1, 29147.1, 0.21, 256_000_000, 1, 1000, 1000, "ip",
            "b", "q", 1),
        new SweepRow("quiver-hnsw", "M=16,efConstruction=200,learn=data/a-long-directory-name/learn.fvecs",
            "efSearch=20", 10, 0.7602, 39290.5, 22.1, 61.5, 5.33, -1, 1, 0, 500, "ip", "b", "q", 2));
    String[] lines = ResultTable.format(rows).split(System.lineSeparator());
    assertEquals(3, lines.length);
    int recallEnd = lines[0].indexOf("recall") + "recall".length();
    assertEquals(recallEnd, lines[1].indexOf("1.0000") + "1.0000".length());
    assertEquals(recallEnd, lines[2].indexOf("0.7602") + "0.7602".length());
    assertTrue(lines[1].contains(" 34.3 ") && lines[1].endsWith("244.1"), lines[1]);
    assertTrue(lines[2].endsWith("?"), "unknown size: " + lines[2]);
    assertTrue(ResultTable.line(rows.getFirst()).startsWith("quiver-flat      -"));
  }
}

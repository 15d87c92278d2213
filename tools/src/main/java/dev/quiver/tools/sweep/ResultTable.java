package dev.quiver.tools.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Sweep rows as aligned text for the terminal: text columns left-aligned, numbers right-aligned. */
public final class ResultTable {
  private static final String[] HEADER = {"index", "build", "search", "recall", "qps", "p50 us", "p99 us", "build s",
      "MiB"};
  /** Minimum widths, so that rows printed one by one as they are measured line up with the final table. */
  private static final int[] MIN_WIDTH = {16, 24, 16, 8, 11, 10, 10, 8, 9};
  private static final int TEXT_COLUMNS = 3;

  private ResultTable() {}

  public static String format(List<SweepRow> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(HEADER);
    for (SweepRow r : rows) {
      cells.add(cells(r));
    }
    int[] width = MIN_WIDTH.clone();
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder s = new StringBuilder();
    for (String[] row : cells) {
      s.append(join(row, width)).append(System.lineSeparator());
    }
    return s.toString();
  }

  /** One row at the minimum widths, without a line break. */
  public static String line(SweepRow r) {
    return join(cells(r), MIN_WIDTH);
  }

  private static String[] cells(SweepRow r) {
    return new String[] {r.index(), orDash(r.buildParams()), orDash(r.searchParams()), number("%.4f", r.recall()),
        number("%,.1f", r.qps()), number("%.1f", r.p50Us()), number("%.1f", r.p99Us()),
        number("%.2f", r.buildSeconds()), r.indexBytes() < 0 ? "?" : number("%.1f", r.indexBytes() / 1048576.0)};
  }

  private static String join(String[] cells, int[] width) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String pad = " ".repeat(Math.max(0, width[i] - cells[i].length()));
      s.append(i == 0 ? "" : " ").append(i < TEXT_COLUMNS ? cells[i] + pad : pad + cells[i]);
    }
    return s.toString().stripTrailing();
  }

  private static String number(String pattern, double value) {
    return String.format(Locale.ROOT, pattern, value);
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}

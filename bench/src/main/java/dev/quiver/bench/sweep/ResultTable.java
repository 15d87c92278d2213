package dev.quiver.bench.sweep;

import java.util.List;
import java.util.Locale;

/** Sweep rows as aligned text for the terminal. */
final class ResultTable {
  private static final String FORMAT = "%-16s %-28s %-18s %8s %11s %10s %10s %8s %10s%n";

  private ResultTable() {}

  static String format(List<SweepRow> rows) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, FORMAT, "index", "build", "search",
        "recall", "qps", "p50 us", "p99 us", "build s", "MiB"));
    for (SweepRow r : rows) {
      s.append(line(r)).append(System.lineSeparator());
    }
    return s.toString();
  }

  /** One row, without a line break. */
  static String line(SweepRow r) {
    return String.format(Locale.ROOT, FORMAT, r.index(), orDash(r.buildParams()), orDash(r.searchParams()),
        String.format(Locale.ROOT, "%.4f", r.recall()), String.format(Locale.ROOT, "%,.1f", r.qps()),
        String.format(Locale.ROOT, "%.1f", r.p50Us()), String.format(Locale.ROOT, "%.1f", r.p99Us()),
        String.format(Locale.ROOT, "%.2f", r.buildSeconds()),
        r.indexBytes() < 0 ? "?" : String.format(Locale.ROOT, "%.1f", r.indexBytes() / 1048576.0)).stripTrailing();
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}

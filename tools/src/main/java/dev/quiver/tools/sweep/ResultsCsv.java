package dev.quiver.tools.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sweep's results.csv: a fixed header (the first ten columns are the contract other tools
 * read), one row per {@link SweepRow}. Fields holding a comma or a quote are quoted as RFC 4180
 * says ({@code "M=16,efConstruction=200"}).
 */
public final class ResultsCsv {
  public static final String HEADER = "index,build_params,search_params,k,recall,qps,p50_us,p99_us,"
      + "build_s,index_bytes,threads,batch,queries,metric,base,query,build_threads";

  private static final int COLUMNS = HEADER.split(",").length;

  private ResultsCsv() {}

  public static void write(Path path, List<SweepRow> rows) throws IOException {
    List<String> lines = new ArrayList<>(rows.size() + 1);
    lines.add(HEADER);
    for (SweepRow r : rows) {
      lines.add(String.join(",",
          quote(r.index()), quote(r.buildParams()), quote(r.searchParams()), Integer.toString(r.k()),
          format("%.5f", r.recall()), format("%.1f", r.qps()), format("%.2f", r.p50Us()),
          format("%.2f", r.p99Us()), format("%.3f", r.buildSeconds()), Long.toString(r.indexBytes()),
          Integer.toString(r.threads()), Integer.toString(r.batch()), Integer.toString(r.queries()),
          quote(r.metric()), quote(r.base()), quote(r.query()), Integer.toString(r.buildThreads())));
    }
    Files.write(path, lines);
  }

  /** Reads a file written by {@link #write}; IOException naming the line that does not parse. */
  public static List<SweepRow> read(Path path) throws IOException {
    List<String> lines = Files.readAllLines(path);
    if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
      throw new IOException(path + ": not a sweep results file (header differs)");
    }
    List<SweepRow> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      List<String> f = split(lines.get(i));
      if (f.size() != COLUMNS) {
        throw new IOException(path + ": line " + (i + 1) + " has " + f.size() + " fields, expected " + COLUMNS);
      }
      try {
        rows.add(new SweepRow(f.get(0), f.get(1), f.get(2), Integer.parseInt(f.get(3)),
            Double.parseDouble(f.get(4)), Double.parseDouble(f.get(5)), Double.parseDouble(f.get(6)),
            Double.parseDouble(f.get(7)), Double.parseDouble(f.get(8)), Long.parseLong(f.get(9)),
            Integer.parseInt(f.get(10)), Integer.parseInt(f.get(11)), Integer.parseInt(f.get(12)),
            f.get(13), f.get(14), f.get(15), Integer.parseInt(f.get(16))));
      } catch (NumberFormatException e) {
        throw new IOException(path + ": line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }

  private static String format(String pattern, double value) {
    return String.format(Locale.ROOT, pattern, value);
  }

  private static String quote(String field) {
    if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0) {
      return field;
    }
    return '"' + field.replace("\"", "\"\"") + '"';
  }

  private static List<String> split(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    fields.add(cur.toString());
    return fields;
  }
}

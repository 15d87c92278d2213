package dev.quiver.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How the sweep talks to a peer process. The peer reads the sweep's files and prints, for each
 * setting it ran, one line
 *
 * <pre>RESULT&lt;TAB&gt;index=..&lt;TAB&gt;build_params=..&lt;TAB&gt;search_params=..&lt;TAB&gt;build_s=..
 * &lt;TAB&gt;index_bytes=..&lt;TAB&gt;queries=..&lt;TAB&gt;wall_s=..&lt;TAB&gt;ids=PATH&lt;TAB&gt;latencies=PATH</pre>
 *
 * (key=value fields split at the first '='; values hold no tab), plus {@code filter=LABEL} when
 * the setting ran with a filter of the request ({@link AllowedSet}). Every other line is
 * informational. A peer that cannot do what it was asked prints {@code error: <why>} and exits
 * non-zero.
 */
public final class PeerProtocol {
  static final String RESULT = "RESULT";

  private PeerProtocol() {}

  /** Parses a RESULT line; IOException naming the line when a field is missing or malformed. */
  public static PeerResult parse(String line) throws IOException {
    String[] fields = line.split("\t");
    if (fields.length == 0 || !fields[0].equals(RESULT)) {
      throw new IOException("not a peer result line: " + line);
    }
    Map<String, String> map = new HashMap<>();
    for (int i = 1; i < fields.length; i++) {
      int eq = fields[i].indexOf('=');
      if (eq <= 0) {
        throw new IOException("peer result field '" + fields[i] + "' is not key=value in: " + line);
      }
      map.put(fields[i].substring(0, eq), fields[i].substring(eq + 1));
    }
    try {
      return new PeerResult(get(map, "index", line), get(map, "build_params", line),
          get(map, "search_params", line), Double.parseDouble(get(map, "build_s", line)),
          Long.parseLong(get(map, "index_bytes", line)), Integer.parseInt(get(map, "queries", line)),
          Double.parseDouble(get(map, "wall_s", line)), Path.of(get(map, "ids", line)),
          Path.of(get(map, "latencies", line)), map.getOrDefault("filter", ""));
    } catch (NumberFormatException e) {
      throw new IOException("malformed number in peer result line: " + line, e);
    }
  }

  /**
   * Runs {@code command}, passing informational lines to {@code log} and collecting results.
   * IOException with the peer's own error line when it exits non-zero.
   */
  static List<PeerResult> run(ProcessBuilder command, String name, Consumer<String> log) throws IOException {
    Process process = command.redirectErrorStream(true).start();
    process.getOutputStream().close();
    List<PeerResult> results = new ArrayList<>();
    String lastLine = "";
    String error = null;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith(RESULT + "\t")) {
          results.add(parse(line));
        } else if (!line.isBlank()) {
          log.accept(line);
          lastLine = line;
          if (line.startsWith("error: ")) {
            error = line.substring("error: ".length());
          }
        }
      }
    }
    int exit = waitFor(process);
    if (exit != 0) {
      throw new IOException(name + " peer failed (exit " + exit + "): " + (error != null ? error : lastLine));
    }
    return results;
  }

  private static String get(Map<String, String> map, String key, String line) throws IOException {
    String v = map.get(key);
    if (v == null) {
      throw new IOException("peer result line lacks " + key + ": " + line);
    }
    return v;
  }

  private static int waitFor(Process process) throws IOException {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for a peer", e);
    }
  }
}

package dev.quiver.cli;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.tools.sweep.SweepRow;
import dev.quiver.tools.tune.TuneConfig;
import dev.quiver.tools.tune.TuneResult;
import dev.quiver.tools.tune.Tuner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * build-snapshot's tuning: the tuner run over the items with the user sample as queries, in a
 * temporary directory that holds the query sample of a query-aware pick until the build is done.
 */
final class Tuning implements AutoCloseable {
  private final Path dir;
  private final TuneResult result;
  private final Path userFeatures;

  private Tuning(Path dir, TuneResult result, Path userFeatures) {
    this.dir = dir;
    this.result = result;
    this.userFeatures = userFeatures;
  }

  /** Tunes, prints the pick and why, and returns it; the tuner's own table stays out of the output. */
  static Tuning run(VectorStore items, float[][] users, Path userFeatures, double target, int k, Metric metric,
                    int threads, PrintWriter out) throws IOException {
    Path dir = Files.createTempDirectory("quiver-tune");
    try {
      TuneConfig config = new TuneConfig(metric, k, target, 0, 0, 0, null, 0.1, 3, 1, threads, 1, 42, dir, null);
      out.printf("no --index: tuning for recall@%d >= %s on %,d user-tower vectors of %s%n", k, target,
          users.length, userFeatures.getFileName());
      TuneResult r = Tuner.run(config, items, users, null, "items", userFeatures.getFileName().toString(),
          new PrintWriter(new StringWriter()));
      SweepRow h = r.heldOut();
      out.printf("tuned: %s (%s)%n", String.join("  ", r.choiceLines()), r.met() ? "target met" : "TARGET NOT MET");
      out.printf("why: %s%n", r.why());
      out.printf("on held-out users: recall %.4f, %,.0f qps, p99 %.0f us%n", h.recall(), h.qps(), h.p99Us());
      return new Tuning(dir, r, userFeatures);
    } catch (IOException | RuntimeException e) {
      delete(dir);
      throw e;
    }
  }

  String kind() {
    return result.choice().candidate().kind();
  }

  /** The build parameters, the query sample's file included. */
  Params build() {
    return result.choice().build();
  }

  Params search() {
    return result.choice().search();
  }

  /** The build parameters as the manifest records them: the sample's source instead of the temporary file. */
  Params recorded() {
    Map<String, String> map = new HashMap<>(build().asMap());
    if (map.remove("learn") != null) {
      map.put("userFeatures", userFeatures.getFileName().toString());
    }
    Params p = Params.DEFAULT;
    for (Map.Entry<String, String> e : map.entrySet()) {
      p = p.with(e.getKey(), e.getValue());
    }
    return p;
  }

  @Override
  public void close() throws IOException {
    delete(dir);
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

package dev.quiver.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.serving.recall.HeadMerger;
import dev.quiver.serving.recall.HeadPairing;
import dev.quiver.serving.recall.MergeMode;
import dev.quiver.serving.recall.RecallRequest;
import dev.quiver.serving.recall.RecallResults;
import dev.quiver.serving.recall.RecallService;
import dev.quiver.serving.recall.TowerModelLoader;
import dev.quiver.serving.snapshot.Lease;
import dev.quiver.serving.snapshot.SnapshotListener;
import dev.quiver.serving.snapshot.SnapshotManager;
import dev.quiver.tower.CpuTowerBackend;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.agrona.collections.LongHashSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver eval}: offline evaluation of the served snapshot on held-out positives. Each user
 * of the log is recalled through the recall service (user tower, each head's index, merge) and
 * through exact search over the same item vectors; recall@N, hit rate@N and coverage@N are
 * reported per head (user/item head pair) and merged, for both, so that the index's loss shows.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Offline evaluation of the snapshot served from --root: recall@N, hit rate@N and coverage@N",
        "per head and merged, through the served index and through exact search, over held-out",
        "(user, item) positives (--interactions: JSON lines {\"user\": U, \"item\": ITEM_ID}) of the users",
        "whose features --users holds (JSON lines, each with the user's --user-key)."})
final class EvalCommand extends QuiverCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--root", required = true, description = "The snapshot root; its current version is evaluated.")
  Path root;

  @Option(names = "--interactions", required = true, description = "Held-out positives, .jsonl: {\"user\": U, \"item\": I}.")
  Path interactions;

  @Option(names = "--users", required = true, description = "User feature rows, .jsonl, each with --user-key.")
  Path users;

  @Option(names = "--user-key", defaultValue = "user_id",
      description = "The key of a user row naming the user (default ${DEFAULT-VALUE}); a feature or not.")
  String userKey;

  @Option(names = "--k", split = ",", defaultValue = "50,100,200", description = "The N of each figure (default ${DEFAULT-VALUE}).")
  int[] ks;

  @Option(names = "--search", defaultValue = "", description = "Search parameters of the served index, k=v,... (e.g. efSearch=128).")
  String search;

  @Option(names = "--merge", defaultValue = "SNAKE", description = "How heads merge: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  MergeMode merge;

  @Option(names = "--csv", description = "Also write the figures as CSV to this file.")
  Path csv;

  /** The figures of one list (merged or one head's) through one search (the index, or exact). */
  private record Line(String search, String list, RankingMetrics metrics) {}

  @Override
  public Integer call() throws Exception {
    int[] ns = checkedKs();
    Map<String, LongHashSet> positives = Positives.read(interactions);
    try (SnapshotManager<TowerModel> snapshots = new SnapshotManager<>(root, TowerModelLoader.snapshots(1),
        new SnapshotListener() { }, Duration.ofSeconds(30))) {
      snapshots.start();
      RecallService service = new RecallService(snapshots, CpuTowerBackend.INSTANCE);
      try (Lease<TowerModel> lease = snapshots.acquire();
           ExactHeads exact = new ExactHeads(lease.snapshot(), cores())) {
        List<Line> lines = evaluate(service, lease, exact, positives, ns);
        report(lines, ns, lease.snapshot().ids().size(), lease.version());
      }
    }
    return 0;
  }

  private int[] checkedKs() {
    int[] ns = Arrays.stream(ks).sorted().distinct().toArray();
    if (ns.length == 0 || ns[0] <= 0) {
      throw new IllegalArgumentException("--k needs positive values, not " + Arrays.toString(ks));
    }
    return ns;
  }

  private List<Line> evaluate(RecallService service, Lease<TowerModel> lease, ExactHeads exact,
                              Map<String, LongHashSet> positives, int[] ns) throws IOException {
    HeadPairing pairs = HeadPairing.of(lease.snapshot());
    List<String> names = HeadPairing.names(lease.snapshot());
    int k = ns[ns.length - 1];
    Params params = Params.parse(search);
    RecallRequest request = service.newRequest().k(k).merge(merge).searchParams(params);
    List<Line> lines = new ArrayList<>();
    for (String s : List.of("index", "exact")) {
      lines.add(new Line(s, "merged", new RankingMetrics(ns)));
      for (String name : names) {
        lines.add(new Line(s, name, new RankingMetrics(ns)));
      }
    }
    Tower tower = lease.model().user();
    Scratch s = new Scratch(pairs.lists(), k, tower.width());
    int evaluated;
    try (UserRows rows = new UserRows(users, tower, userKey)) {
      evaluated = evaluateUsers(rows, service, request, lease, exact, positives, lines, s);
    }
    if (evaluated == 0) {
      throw new IllegalArgumentException(users + ": none of its users (by '" + userKey + "') has a positive in "
          + interactions);
    }
    out().printf("evaluated %,d users of %,d with positives in %s%n", evaluated, positives.size(), interactions);
    long absent = positives.values().stream().flatMapToLong(p -> p.stream().mapToLong(Long::longValue))
        .filter(item -> lease.snapshot().ids().ordinal(item) < 0).count();
    if (absent > 0) {
      // Kept as misses: a held-out item the catalogue lacks is one the recall could not find.
      out().printf("%,d positives name items that are not in the snapshot; they count as misses%n", absent);
    }
    return lines;
  }

  /** Adds each user of {@code rows} who has positives to every line's figures; returns their number. */
  private int evaluateUsers(UserRows rows, RecallService service, RecallRequest request, Lease<TowerModel> lease,
                            ExactHeads exact, Map<String, LongHashSet> positives, List<Line> lines, Scratch s)
      throws IOException {
    HeadPairing pairs = HeadPairing.of(lease.snapshot());
    Tower tower = lease.model().user();
    int k = request.k();
    Params params = Params.parse(search);
    int names = lines.size() / 2 - 1;
    int evaluated = 0;
    for (FeatureRow row = tower.newRow(); rows.next(row); ) {
      LongHashSet pos = positives.get(rows.user());
      if (pos == null) {
        continue;
      }
      evaluated++;
      service.recall(row, request, s.merged);
      lines.get(0).metrics.add(s.merged.ids(), s.merged.count(), pos);
      tower.embed(row, s.user);
      for (int l = 0; l < pairs.lists(); l++) {
        int u = pairs.userHead(l);
        float[] query = Arrays.copyOfRange(s.user, tower.headOffset(u), tower.headOffset(u) + tower.headDim(u));
        lease.search(pairs.itemHead(l), query, k, null, params, s.index[l]);
        lines.get(1 + l).metrics.add(s.index[l].ids(), s.index[l].count(), pos);
        exact.search(pairs.itemHead(l), query, k, s.exact[l]);
        lines.get(2 + names + l).metrics.add(s.exact[l].ids(), s.exact[l].count(), pos);
      }
      s.merger.merge(merge, s.exact, pairs.lists(), null, null, k, s.exactMerged);
      lines.get(1 + names).metrics.add(s.exactMerged.ids(), s.exactMerged.count(), pos);
    }
    return evaluated;
  }

  private void report(List<Line> lines, int[] ns, int catalogue, long version) throws IOException {
    PrintWriter out = out();
    out.printf("snapshot v%d, %,d items%n", version, catalogue);
    out.printf("%-6s %-12s %6s %8s %8s %8s%n", "search", "list", "N", "recall", "hit", "coverage");
    List<String> csvLines = new ArrayList<>(List.of("search,list,n,users,recall,hit_rate,coverage"));
    for (Line l : lines) {
      for (int i = 0; i < ns.length; i++) {
        RankingMetrics m = l.metrics;
        out.printf(Locale.ROOT, "%-6s %-12s %6d %8.4f %8.4f %8.4f%n", l.search, l.list, ns[i], m.recall(i),
            m.hitRate(i), m.coverage(i, catalogue));
        csvLines.add(String.format(Locale.ROOT, "%s,%s,%d,%d,%.6f,%.6f,%.6f", l.search, l.list, ns[i], m.users(),
            m.recall(i), m.hitRate(i), m.coverage(i, catalogue)));
      }
    }
    if (csv != null) {
      Files.write(csv, csvLines, StandardCharsets.UTF_8);
      out.printf("wrote %s%n", csv);
    }
  }

  /** One user's buffers, reused. */
  private static final class Scratch {
    final RecallResults merged;
    final RecallResults exactMerged;
    final SearchResults[] index;
    final SearchResults[] exact;
    final HeadMerger merger = new HeadMerger();
    final float[] user;

    Scratch(int lists, int k, int userWidth) {
      merged = new RecallResults(k);
      exactMerged = new RecallResults(k);
      index = new SearchResults[lists];
      exact = new SearchResults[lists];
      for (int l = 0; l < lists; l++) {
        index[l] = new SearchResults(k);
        exact[l] = new SearchResults(k);
      }
      user = new float[userWidth];
    }
  }

  /** User rows with the value of their user key, which is skipped as a feature unless it is one. */
  private static final class UserRows implements AutoCloseable {
    private final FeatureRows rows;
    private final BufferedReader keys;
    private final Path file;
    private final String key;
    private String user;
    private int line;

    UserRows(Path file, Tower tower, String key) throws IOException {
      this.rows = FeatureRows.open(file, tower, Set.of(key));
      this.keys = Files.newBufferedReader(file, StandardCharsets.UTF_8);
      this.file = file;
      this.key = key;
    }

    boolean next(FeatureRow row) throws IOException {
      if (!rows.next(row)) {
        return false;
      }
      String text;
      do {
        text = keys.readLine();
        line++;
      } while (text.isBlank());
      JsonNode id = JSON.readTree(text).get(key);
      if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
        throw new IOException(file + ":" + line + ": has no '" + key + "' (a string or an integer) naming the user");
      }
      user = id.asText();
      return true;
    }

    String user() {
      return user;
    }

    @Override
    public void close() throws IOException {
      rows.close();
      keys.close();
    }
  }
}

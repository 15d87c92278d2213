package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * quiver eval on a small log against a brute-force computation: each user's lists by exact
 * inner products in double over the towers' vectors, merged in snake order, and recall, hit rate
 * and coverage counted from them. The snapshot's index is flat, so the index's figures must equal
 * exact search's.
 */
class EvalCommandTest {
  private static final Path FIXTURES = Path.of("..", "tower-runtime", "src", "test", "resources", "tower", "team");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ITEMS = 300;
  private static final int[] NS = {5, 10, 20};

  @TempDir Path dir;

  private record Files3(Path items, Path users, Path log, Map<String, Set<Long>> positives, List<String> userOrder) {}

  /** Items (the fixture's rows with ids 0..), 50 users keyed by {@code key}, and a log of 1-4 items each for most. */
  private Files3 write(Path model, String key) throws IOException {
    List<String> baseItems = Files.readAllLines(model.resolve("item.jsonl"));
    List<String> items = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      items.add(JSON.writeValueAsString(((ObjectNode) JSON.readTree(baseItems.get(i % baseItems.size()))).put("item_id", i)));
    }
    List<String> baseUsers = Files.readAllLines(model.resolve("user.jsonl"));
    List<String> users = new ArrayList<>();
    List<String> log = new ArrayList<>();
    List<String> order = new ArrayList<>();
    Map<String, Set<Long>> positives = new HashMap<>();
    SplittableRandom rnd = new SplittableRandom(9);
    for (int u = 0; u < 50; u++) {
      String id = "ü-" + u;
      users.add(JSON.writeValueAsString(((ObjectNode) JSON.readTree(baseUsers.get(u))).put(key, id)));
      order.add(id);
      for (int j = u % 7 == 0 ? 0 : 1 + rnd.nextInt(4); j > 0; j--) {
        long item = rnd.nextInt(ITEMS);
        log.add("{\"user\": \"" + id + "\", \"item\": " + item + "}");
        positives.computeIfAbsent(id, x -> new HashSet<>()).add(item);
      }
    }
    log.add("{\"user\": \"nobody\", \"item\": 3}");
    return new Files3(Files.write(dir.resolve("items.jsonl"), items), Files.write(dir.resolve("users.jsonl"), users),
        Files.write(dir.resolve("log.jsonl"), log), positives, order);
  }

  @ParameterizedTest
  @CsvSource({"item_multi_head,user_id", "user_multi_head,uid"})
  void figuresMatchBruteForce(String fixture, String key) throws IOException {
    Path model = FIXTURES.resolve(fixture);
    Files3 f = write(model, key);
    Path root = dir.resolve("root");
    assertEquals(0, Cli.run("build-snapshot", "--item-features", f.items.toString(), "--model", model.toString(),
        "--index", "flat", "--root", root.toString(), "--no-progress").exit());
    Path csv = dir.resolve("eval.csv");
    Cli r = Cli.run("eval", "--root", root.toString(), "--interactions", f.log.toString(), "--users",
        f.users.toString(), "--user-key", key, "--k", "20,5,10", "--csv", csv.toString());
    assertEquals(0, r.exit(), r::toString);
    Map<String, double[]> got = new HashMap<>();
    for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
      String[] c = line.split(",");
      got.put(c[0] + "/" + c[1] + "/" + c[2], new double[] {Double.parseDouble(c[3]), Double.parseDouble(c[4]),
          Double.parseDouble(c[5]), Double.parseDouble(c[6])});
    }
    try (TowerModel m = TowerModel.load(model)) {
      Map<String, List<List<Long>>> lists = bruteForce(m, f);
      List<String> names = m.user().heads() > 1 ? m.user().headNames() : m.item().headNames();
      for (String search : List.of("index", "exact")) {
        for (int l = -1; l < names.size(); l++) {
          String list = l < 0 ? "merged" : names.get(l);
          for (int n : NS) {
            double[] want = figures(lists, f.positives, l, n);
            double[] have = got.get(search + "/" + list + "/" + n);
            assertTrue(have != null, search + "/" + list + "/" + n + " missing from " + got.keySet());
            for (int i = 0; i < 4; i++) {
              assertEquals(want[i], have[i], 1e-6, search + "/" + list + "@" + n + " figure " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void aLogOfUnknownUsersIsRefusedByName() throws IOException {
    Path model = FIXTURES.resolve("item_multi_head");
    Files3 f = write(model, "user_id");
    Path root = dir.resolve("root");
    Cli.run("build-snapshot", "--item-features", f.items.toString(), "--model", model.toString(), "--index", "flat",
        "--root", root.toString(), "--no-progress");
    Path log = Files.write(dir.resolve("strangers.jsonl"), List.of("{\"user\": \"x\", \"item\": 1}"));
    Cli r = Cli.run("eval", "--root", root.toString(), "--interactions", log.toString(), "--users",
        f.users.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("none of its users (by 'user_id') has a positive"), r::toString);
    Path bad = Files.write(dir.resolve("bad.jsonl"), List.of("{\"user\": \"x\", \"item\": \"i-1\"}"));
    r = Cli.run("eval", "--root", root.toString(), "--interactions", bad.toString(), "--users", f.users.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(bad + ":1: needs \"item\""), r::toString);
  }

  /** Per user with positives: the exact list of each pair (best first, 20 items), then the merged one. */
  private static Map<String, List<List<Long>>> bruteForce(TowerModel m, Files3 f) throws IOException {
    Tower user = m.user(), item = m.item();
    int dim = user.dim();
    List<FeatureRow> itemRows = FeatureRows.readJsonl(f.items, item);
    float[] iv = new float[ITEMS * item.heads() * dim];
    item.embedBatch(itemRows.toArray(FeatureRow[]::new), ITEMS, iv);
    int pairs = Math.max(user.heads(), item.heads());
    Map<String, List<List<Long>>> out = new HashMap<>();
    try (FeatureRows rows = FeatureRows.open(f.users, user, Set.of("uid"))) {
      FeatureRow row = user.newRow();
      float[] uv = new float[user.heads() * dim];
      for (String id : f.userOrder) {
        rows.next(row);
        if (!f.positives.containsKey(id)) {
          continue;
        }
        user.embed(row, uv);
        List<List<Long>> lists = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
          int u = user.heads() == 1 ? 0 : p, h = item.heads() == 1 ? 0 : p;
          double[] s = new double[ITEMS];
          for (int i = 0; i < ITEMS; i++) {
            for (int j = 0; j < dim; j++) {
              s[i] += (double) uv[u * dim + j] * iv[(i * item.heads() + h) * dim + j];
            }
          }
          lists.add(IntStream.range(0, ITEMS).boxed().sorted(Comparator.comparingDouble((Integer i) -> -s[i]))
              .limit(20).map(Integer::longValue).toList());
        }
        lists.add(snake(lists, 20));
        out.put(id, lists);
      }
    }
    return out;
  }

  /** Round robin over the lists, each turn a list's best item not yet taken. */
  private static List<Long> snake(List<List<Long>> lists, int k) {
    Set<Long> taken = new LinkedHashSet<>();
    int[] next = new int[lists.size()];
    for (boolean progressed = true; taken.size() < k && progressed; ) {
      progressed = false;
      for (int h = 0; h < lists.size() && taken.size() < k; h++) {
        while (next[h] < lists.get(h).size()) {
          if (taken.add(lists.get(h).get(next[h]++))) {
            progressed = true;
            break;
          }
        }
      }
    }
    return new ArrayList<>(taken);
  }

  /** users, recall, hit rate, coverage of list {@code l} (-1: merged) at {@code n}. */
  private static double[] figures(Map<String, List<List<Long>>> lists, Map<String, Set<Long>> positives, int l, int n) {
    double recall = 0, hits = 0;
    Set<Long> covered = new HashSet<>();
    for (Map.Entry<String, List<List<Long>>> e : lists.entrySet()) {
      List<Long> list = l < 0 ? e.getValue().getLast() : e.getValue().get(l);
      List<Long> top = list.subList(0, Math.min(n, list.size()));
      Set<Long> pos = positives.get(e.getKey());
      long found = top.stream().filter(pos::contains).count();
      recall += (double) found / pos.size();
      hits += found > 0 ? 1 : 0;
      covered.addAll(top);
    }
    int users = lists.size();
    return new double[] {users, recall / users, hits / users, (double) covered.size() / ITEMS};
  }
}

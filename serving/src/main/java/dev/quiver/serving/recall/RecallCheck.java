package dev.quiver.serving.recall;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.PublishGate;
import dev.quiver.serving.snapshot.Snapshot;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.collections.IntHashSet;

/**
 * The recall a snapshot gives a few users, checked before it is published or served: each
 * user's row through the snapshot's own user tower, every (user head, item index) pair the
 * service serves ({@link HeadPairing}) searched as the service searches it, against each pair's
 * exact top k over the same snapshot's item vectors (brute force); the pairs' lists merged by
 * turns ({@link MergeMode#SNAKE}) against the same merge of the exact lists. The merged recall
 * and each pair's are measured; any of them below the minimum refuses the snapshot, naming the
 * pair. Users come from a JSON-lines file or are drawn from the model's user features
 * ({@link RandomUsers}).
 *
 * <p>Thread-safe; {@link #lastRecall()} is the latest measurement, for reports.
 */
public final class RecallCheck implements PublishGate.Check<TowerModel> {
  private final Path usersFile;
  private final int generated;
  private final int k;
  private final Params params;
  private final double minimum;
  private volatile Measured last;

  /**
   * What one check measured: the merged recall, and each pair's when there are several.
   *
   * @param heads each pair's recall, in list order; empty when one pair is searched
   */
  public record Measured(double recall, int k, int users, boolean generated, int leftOut, List<HeadRecall> heads) {
    public Measured {
      heads = List.copyOf(heads);
    }

    @Override
    public String toString() {
      return String.format("recall@%d %.4f over %d %s users", k, recall, users, generated ? "generated" : "given")
          + (heads.isEmpty() ? "" : " (" + String.join(", ", heads.stream().map(HeadRecall::toString).toList()) + ")")
          + (leftOut == 0 ? "" : " (" + leftOut + " left out: their tower output is not finite)");
    }
  }

  /**
   * One pair's recall@k: user head {@code userHead}'s vectors searched in item head
   * {@code itemHead}'s index, against exact search in it.
   */
  public record HeadRecall(String userHead, String itemHead, double recall) {
    @Override
    public String toString() {
      return String.format("%s %.4f", userHead.equals(itemHead) ? userHead : userHead + "->" + itemHead, recall);
    }
  }

  private RecallCheck(Path usersFile, int generated, int k, Params params, double minimum) {
    if (k < 1) {
      throw new IllegalArgumentException("recall k must be at least 1, got " + k);
    }
    if (!(minimum >= 0 && minimum <= 1)) {
      throw new IllegalArgumentException("minimum recall must be in [0, 1], got " + minimum);
    }
    this.usersFile = usersFile;
    this.generated = generated;
    this.k = k;
    this.params = params;
    this.minimum = minimum;
  }

  /** Over the user rows in {@code usersFile} (JSON lines, docs/TOWER.md). */
  public static RecallCheck ofUsers(Path usersFile, int k, Params params, double minimum) {
    return new RecallCheck(usersFile, 0, k, params, minimum);
  }

  /** Over {@code users} rows drawn from the model's user features. */
  public static RecallCheck generated(int users, int k, Params params, double minimum) {
    if (users < 1) {
      throw new IllegalArgumentException("generated users must be at least 1, got " + users);
    }
    return new RecallCheck(null, users, k, params, minimum);
  }

  /** The latest measurement, or null before the first. */
  public Measured lastRecall() {
    return last;
  }

  @Override
  public void check(Snapshot<TowerModel> snapshot) throws IOException {
    Tower tower = snapshot.model().user();
    HeadPairing pairs;
    try {
      pairs = HeadPairing.of(snapshot);
    } catch (IllegalStateException e) {
      throw new IOException(e.getMessage(), e);
    }
    List<FeatureRow> users = usersFile != null ? FeatureRows.readJsonl(usersFile, tower)
        : RandomUsers.rows(tower, generated, snapshot.version());
    if (users.isEmpty()) {
      throw new IOException(usersFile + ": no user rows to measure recall with");
    }
    Measured m = measure(snapshot, pairs, users);
    if (m.leftOut() == users.size()) {
      throw new IOException("the user tower gives no finite vector for any of the " + users.size() + " users");
    }
    last = m;
    if (m.recall() < minimum) {
      throw new IOException(m + " is below the minimum " + minimum);
    }
    for (HeadRecall h : m.heads()) {
      if (h.recall() < minimum) {
        throw new IOException("recall@" + k + " of user head '" + h.userHead() + "' in item head '" + h.itemHead()
            + "''s index " + String.format("%.4f", h.recall()) + " is below the minimum " + minimum + ": " + m);
      }
    }
  }

  /**
   * The mean recalls over the users whose tower output is finite (a zero vector L2-normalised, say,
   * is not searchable); the others are counted as left out.
   */
  private Measured measure(Snapshot<TowerModel> snapshot, HeadPairing pairs, List<FeatureRow> users) {
    Tower tower = snapshot.model().user();
    int lists = pairs.lists();
    int kk = Math.min(k, snapshot.index().size());
    float[] vectors = new float[users.size() * tower.width()];
    tower.embedBatch(users.toArray(new FeatureRow[0]), users.size(), vectors);
    HeadMerger merger = new HeadMerger();
    RecallResults served = new RecallResults(kk);
    RecallResults exact = new RecallResults(kk);
    SearchResults[] servedLists = lists(lists, kk);
    SearchResults[] exactLists = lists(lists, kk);
    double[] perList = new double[lists];
    double sum = 0;
    int leftOut = 0;
    List<FlatIndex> truth = new ArrayList<>();
    try {
      for (int h = 0; h < snapshot.itemHeads(); h++) {
        truth.add(exactIndex(snapshot.index(h)));
      }
      for (int u = 0; u < users.size(); u++) {
        if (!finite(vectors, u * tower.width(), tower.width())) {
          leftOut++;
          continue;
        }
        for (int l = 0; l < lists; l++) {
          int uh = pairs.userHead(l), ih = pairs.itemHead(l);
          int from = u * tower.width() + tower.headOffset(uh);
          float[] q = Arrays.copyOfRange(vectors, from, from + tower.headDim(uh));
          snapshot.index(ih).search(q, kk, null, params, servedLists[l]);
          truth.get(ih).search(q, kk, null, Params.DEFAULT, exactLists[l]);
          perList[l] += overlap(servedLists[l].ids(), exactLists[l].ids());
        }
        merger.merge(MergeMode.SNAKE, servedLists, lists, null, null, kk, served);
        merger.merge(MergeMode.SNAKE, exactLists, lists, null, null, kk, exact);
        sum += overlap(served.ids(), exact.ids());
      }
    } finally {
      truth.forEach(FlatIndex::close);
    }
    int measured = users.size() - leftOut;
    List<HeadRecall> heads = new ArrayList<>();
    for (int l = 0; lists > 1 && l < lists; l++) {
      heads.add(new HeadRecall(snapshot.model().user().headNames().get(pairs.userHead(l)),
          snapshot.model().item().headNames().get(pairs.itemHead(l)), measured == 0 ? 0 : perList[l] / measured));
    }
    return new Measured(measured == 0 ? 0 : sum / measured, k, measured, usersFile == null, leftOut, heads);
  }

  private static boolean finite(float[] v, int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (!Float.isFinite(v[i])) {
        return false;
      }
    }
    return true;
  }

  private static SearchResults[] lists(int heads, int k) {
    SearchResults[] lists = new SearchResults[heads];
    for (int h = 0; h < heads; h++) {
      lists[h] = new SearchResults(k);
    }
    return lists;
  }

  /** A flat index over a copy of the index's own vectors: the exact answer over what it serves. */
  private static FlatIndex exactIndex(VectorIndex index) {
    try (VectorStore store = VectorStore.allocate(index.dimension(), index.size())) {
      float[] v = new float[index.dimension()];
      for (int i = 0; i < index.size(); i++) {
        index.vector(i, v);
        store.add(v);
      }
      return FlatIndex.build(store, null, index.metric());
    }
  }

  /** The share of {@code exact}'s ids that {@code served} holds (1 when there are none). */
  private static double overlap(long[] served, long[] exact) {
    if (exact.length == 0) {
      return 1;
    }
    IntHashSet truth = new IntHashSet(exact.length);
    for (long id : exact) {
      truth.add((int) id);
    }
    int found = 0;
    for (long id : served) {
      found += truth.contains((int) id) ? 1 : 0;
    }
    return found / (double) exact.length;
  }
}

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
import java.util.Arrays;
import java.util.List;
import org.agrona.collections.IntHashSet;

/**
 * The recall a snapshot gives a few users, checked before it is published or served: each
 * user's row through the snapshot's own user tower, every head searched in the snapshot's index
 * as the service searches it and the heads merged by turns ({@link MergeMode#SNAKE}), against
 * the same merge of each head's exact top k over the same snapshot's item vectors (brute force).
 * A recall below the minimum refuses the snapshot. Users come from a JSON-lines file or are
 * drawn from the model's user features ({@link RandomUsers}).
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

  /** What one check measured. */
  public record Measured(double recall, int k, int users, boolean generated, int leftOut) {
    @Override
    public String toString() {
      return String.format("recall@%d %.4f over %d %s users", k, recall, users, generated ? "generated" : "given")
          + (leftOut == 0 ? "" : " (" + leftOut + " left out: their tower output is not finite)");
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
    List<FeatureRow> users = usersFile != null ? FeatureRows.readJsonl(usersFile, tower)
        : RandomUsers.rows(tower, generated, snapshot.version());
    if (users.isEmpty()) {
      throw new IOException(usersFile + ": no user rows to measure recall with");
    }
    int[] leftOut = {0};
    double recall = measure(snapshot.index(), tower, users, leftOut);
    if (leftOut[0] == users.size()) {
      throw new IOException("the user tower gives no finite vector for any of the " + users.size() + " users");
    }
    Measured m = new Measured(recall, k, users.size() - leftOut[0], usersFile == null, leftOut[0]);
    last = m;
    if (m.recall() < minimum) {
      throw new IOException(m + " is below the minimum " + minimum);
    }
  }

  /**
   * The mean recall over the users whose tower output is finite (a zero vector L2-normalised, say,
   * is not searchable); the others are counted in {@code leftOut[0]}.
   */
  private double measure(VectorIndex index, Tower tower, List<FeatureRow> users, int[] leftOut) {
    int heads = tower.heads();
    int dim = tower.dim();
    int kk = Math.min(k, index.size());
    float[] vectors = new float[users.size() * heads * dim];
    tower.embedBatch(users.toArray(new FeatureRow[0]), users.size(), vectors);
    HeadMerger merger = new HeadMerger();
    RecallResults served = new RecallResults(kk);
    RecallResults exact = new RecallResults(kk);
    SearchResults[] servedLists = lists(heads, kk);
    SearchResults[] exactLists = lists(heads, kk);
    double sum = 0;
    try (FlatIndex truth = exactIndex(index)) {
      for (int u = 0; u < users.size(); u++) {
        if (!finite(vectors, u * heads * dim, heads * dim)) {
          leftOut[0]++;
          continue;
        }
        for (int h = 0; h < heads; h++) {
          int from = (u * heads + h) * dim;
          float[] q = Arrays.copyOfRange(vectors, from, from + dim);
          index.search(q, kk, null, params, servedLists[h]);
          truth.search(q, kk, null, Params.DEFAULT, exactLists[h]);
        }
        merger.merge(MergeMode.SNAKE, servedLists, heads, null, null, kk, served);
        merger.merge(MergeMode.SNAKE, exactLists, heads, null, null, kk, exact);
        sum += overlap(served, exact);
      }
    }
    return leftOut[0] == users.size() ? 0 : sum / (users.size() - leftOut[0]);
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

  private static double overlap(RecallResults served, RecallResults exact) {
    if (exact.count() == 0) {
      return 1;
    }
    IntHashSet truth = new IntHashSet(exact.count());
    for (int i = 0; i < exact.count(); i++) {
      truth.add((int) exact.id(i));
    }
    int found = 0;
    for (int i = 0; i < served.count(); i++) {
      found += truth.contains((int) served.id(i)) ? 1 : 0;
    }
    return found / (double) exact.count();
  }
}

package dev.quiver.serving.recall;

/**
 * The merged answer of one recall: item ids best first, each with its score (as its head scored
 * it, before weighting) and the head that contributed it, plus the snapshot version that
 * answered. Reusable: a caller that keeps one per thread recalls without allocating. Not
 * thread-safe.
 */
public final class RecallResults {
  /** The head of results of an item-to-item recall, which runs no user tower. */
  public static final int ITEM = -1;

  private long[] ids;
  private float[] scores;
  private int[] heads;
  private int count;
  private long version = -1;

  public RecallResults(int capacity) {
    ids = new long[capacity];
    scores = new float[capacity];
    heads = new int[capacity];
  }

  public int count() {
    return count;
  }

  public long id(int rank) {
    return ids[rank];
  }

  public float score(int rank) {
    return scores[rank];
  }

  /** Index of the head (in the model's head order) that contributed the item at {@code rank}. */
  public int head(int rank) {
    return heads[rank];
  }

  /** Version of the snapshot whose tower and index produced these results; -1 when unset. */
  public long version() {
    return version;
  }

  /** A copy of the ids, best first. */
  public long[] ids() {
    return java.util.Arrays.copyOf(ids, count);
  }

  /** Empties the results, makes room for {@code k} entries, and records the answering version. */
  public void reset(int k, long snapshotVersion) {
    if (ids.length < k) {
      ids = new long[k];
      scores = new float[k];
      heads = new int[k];
    }
    count = 0;
    version = snapshotVersion;
  }

  void add(long id, float score, int head) {
    ids[count] = id;
    scores[count] = score;
    heads[count] = head;
    count++;
  }
}

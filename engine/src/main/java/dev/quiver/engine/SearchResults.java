package dev.quiver.engine;

/**
 * The top-k of one query as parallel arrays, best first: external ids and scores (inner product
 * or cosine similarity, or squared distance for L2). Reusable: a caller that keeps one per thread
 * searches without allocating. Not thread-safe.
 */
public final class SearchResults {
  private long[] ids;
  private float[] scores;
  private int count;

  public SearchResults(int capacity) {
    ids = new long[capacity];
    scores = new float[capacity];
  }

  /** How many results the last search returned: k, or fewer when fewer items were eligible. */
  public int count() {
    return count;
  }

  public long id(int rank) {
    return ids[rank];
  }

  public float score(int rank) {
    return scores[rank];
  }

  /** A copy of the ids, best first. */
  public long[] ids() {
    return java.util.Arrays.copyOf(ids, count);
  }

  /** A copy of the scores, best first. */
  public float[] scores() {
    return java.util.Arrays.copyOf(scores, count);
  }

  /** Empties the results and makes room for {@code k} entries, growing only when needed. */
  public void reset(int k) {
    if (ids.length < k) {
      ids = new long[k];
      scores = new float[k];
    }
    count = 0;
  }

  /** Replaces the id at {@code rank} (e.g. an item ordinal by its external id); the score stays. */
  public void replaceId(int rank, long id) {
    Checks.index("rank", rank, count);
    ids[rank] = id;
  }

  /** Appends a result; callers append best first. */
  public void add(long id, float score) {
    ids[count] = id;
    scores[count] = score;
    count++;
  }
}

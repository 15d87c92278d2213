package dev.quiver.serving.recall;

import dev.quiver.engine.SearchResults;
import java.util.Arrays;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;

/**
 * Merges the per-head top-k lists of a multi-objective recall into one list ({@link MergeMode}).
 * Scores are similarities (inner product, cosine): higher is better.
 * Holds scratch for one thread: create one per thread (or per request) and reuse it; merging
 * then allocates nothing once the scratch has grown to the largest request seen.
 */
public final class HeadMerger {
  private final LongHashSet taken = new LongHashSet();
  private final Long2LongHashMap slotOfId = new Long2LongHashMap(-1);
  private int[] next = new int[0];
  private int[] used = new int[0];
  private long[] keys = new long[0];
  private long[] candidateIds = new long[0];
  private float[] candidateScores = new float[0];
  private int[] candidateHeads = new int[0];

  /**
   * Merges {@code lists} (one per head, best first) into {@code out}, at most {@code k} items,
   * head {@code h} contributing at most {@code quotas[h]} of them. {@code out} is emptied first;
   * its snapshot version is kept.
   *
   * @param weights per-head weights, used by {@link MergeMode#TRUNCATE} only; null means all 1
   * @param quotas per-head caps on contributed items; null means no cap
   */
  public void merge(MergeMode mode, SearchResults[] lists, int heads, float[] weights,
                    int[] quotas, int k, RecallResults out) {
    checkArguments(lists, heads, weights, quotas, k);
    out.reset(k, out.version());
    growHeadScratch(heads);
    Arrays.fill(used, 0, heads, 0);
    if (mode == MergeMode.SNAKE) {
      snake(lists, heads, quotas, k, out);
    } else {
      truncate(lists, heads, weights, quotas, k, out);
    }
  }

  private void snake(SearchResults[] lists, int heads, int[] quotas, int k, RecallResults out) {
    taken.clear();
    Arrays.fill(next, 0, heads, 0);
    boolean progressed = true;
    while (out.count() < k && progressed) {
      progressed = false;
      for (int h = 0; h < heads && out.count() < k; h++) {
        if (!underQuota(quotas, h)) {
          continue;
        }
        SearchResults list = lists[h];
        // Skip duplicates so that each turn gives a head one new item, as long as it has one.
        while (next[h] < list.count()) {
          int rank = next[h]++;
          if (taken.add(list.id(rank))) {
            out.add(list.id(rank), list.score(rank), h);
            used[h]++;
            progressed = true;
            break;
          }
        }
      }
    }
  }

  private void truncate(SearchResults[] lists, int heads, float[] weights, int[] quotas, int k,
                        RecallResults out) {
    int n = gatherBestPerItem(lists, heads, weights);
    for (int i = 0; i < n; i++) {
      // Descending weighted score, ties by candidate order (head order, then rank): the sort key
      // is the score's order-preserving bit pattern, inverted, above the candidate index.
      keys[i] = ((long) ~sortableBits(candidateScores[i] * weight(weights, candidateHeads[i])) << 32)
          | i;
    }
    Arrays.sort(keys, 0, n);
    for (int j = 0; j < n && out.count() < k; j++) {
      int i = (int) keys[j];
      int h = candidateHeads[i];
      if (underQuota(quotas, h)) {
        out.add(candidateIds[i], candidateScores[i], h);
        used[h]++;
      }
    }
  }

  /** Collects every head's candidates, keeping for an item found twice its best weighted score. */
  private int gatherBestPerItem(SearchResults[] lists, int heads, float[] weights) {
    slotOfId.clear();
    int total = 0;
    for (int h = 0; h < heads; h++) {
      total += lists[h].count();
    }
    growCandidates(total);
    int n = 0;
    for (int h = 0; h < heads; h++) {
      SearchResults list = lists[h];
      float w = weight(weights, h);
      for (int r = 0; r < list.count(); r++) {
        long id = list.id(r);
        int slot = (int) slotOfId.get(id);
        if (slot < 0) {
          slotOfId.put(id, n);
          candidateIds[n] = id;
          candidateScores[n] = list.score(r);
          candidateHeads[n] = h;
          n++;
        } else if (list.score(r) * w > candidateScores[slot] * weight(weights, candidateHeads[slot])) {
          candidateScores[slot] = list.score(r);
          candidateHeads[slot] = h;
        }
      }
    }
    return n;
  }

  private boolean underQuota(int[] quotas, int head) {
    return quotas == null || used[head] < quotas[head];
  }

  private static float weight(float[] weights, int head) {
    return weights == null ? 1f : weights[head];
  }

  /** Maps a float to an int whose signed order is the float's order (negative zero below zero). */
  private static int sortableBits(float f) {
    int bits = Float.floatToIntBits(f);
    return bits ^ ((bits >> 31) & 0x7fffffff);
  }

  private void growHeadScratch(int heads) {
    if (next.length < heads) {
      next = new int[heads];
      used = new int[heads];
    }
  }

  private void growCandidates(int total) {
    if (keys.length < total) {
      keys = new long[total];
      candidateIds = new long[total];
      candidateScores = new float[total];
      candidateHeads = new int[total];
    }
  }

  private static void checkArguments(SearchResults[] lists, int heads, float[] weights,
                                     int[] quotas, int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    if (heads <= 0 || heads > lists.length) {
      throw new IllegalArgumentException("heads must be in [1, " + lists.length + "], was " + heads);
    }
    if (weights != null && weights.length < heads) {
      throw new IllegalArgumentException(weights.length + " weights for " + heads + " heads");
    }
    if (quotas != null && quotas.length < heads) {
      throw new IllegalArgumentException(quotas.length + " quotas for " + heads + " heads");
    }
    for (int h = 0; weights != null && h < heads; h++) {
      if (!(weights[h] > 0) || !Float.isFinite(weights[h])) {
        throw new IllegalArgumentException("weight of head " + h + " must be positive and finite, was " + weights[h]);
      }
    }
  }
}

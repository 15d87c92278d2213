package dev.quiver.serving.recall;

import dev.quiver.engine.Params;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * What one recall asks for: how many items in all, how the heads' lists merge, and per head its
 * own k, search parameters, weight and quota; plus the user's filters. Built once per request
 * shape and reused (a per-thread instance, reset with {@link #exposure} for each user);
 * not thread-safe.
 *
 * <p>Defaults: k 100, snake merge, each head searched for k items with the index's default
 * parameters, weight 1, no quota, no filters.
 */
public final class RecallRequest {
  private final int heads;
  private final int[] headK;
  private final Params[] headParams;
  private final float[] weights;
  private final int[] quotas;
  private int k = 100;
  private MergeMode merge = MergeMode.SNAKE;
  private boolean quotasSet;
  private BloomFilter exposure;
  private BlockList blocked = BlockList.EMPTY;
  private LongPredicate filter;

  /** A request for a model with {@code heads} output heads. */
  public RecallRequest(int heads) {
    if (heads <= 0) {
      throw new IllegalArgumentException("heads must be positive, was " + heads);
    }
    this.heads = heads;
    headK = new int[heads];
    headParams = new Params[heads];
    weights = new float[heads];
    quotas = new int[heads];
    Arrays.fill(headParams, Params.DEFAULT);
    Arrays.fill(weights, 1f);
    Arrays.fill(quotas, Integer.MAX_VALUE);
  }

  /** Items in the merged list. */
  public RecallRequest k(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    this.k = k;
    return this;
  }

  public RecallRequest merge(MergeMode merge) {
    this.merge = java.util.Objects.requireNonNull(merge, "merge");
    return this;
  }

  /** Items searched for head {@code head}; 0 (the default) means the request's k. */
  public RecallRequest headK(int head, int k) {
    checkHead(head);
    if (k < 0) {
      throw new IllegalArgumentException("k of head " + head + " must not be negative, was " + k);
    }
    headK[head] = k;
    return this;
  }

  /** Search parameters of head {@code head} ({@code efSearch=128}, {@code nprobe=32}). */
  public RecallRequest headParams(int head, Params params) {
    checkHead(head);
    headParams[head] = java.util.Objects.requireNonNull(params, "params");
    return this;
  }

  /** The same search parameters for every head. */
  public RecallRequest searchParams(Params params) {
    java.util.Objects.requireNonNull(params, "params");
    Arrays.fill(headParams, params);
    return this;
  }

  /** Weight of head {@code head}'s scores in a {@link MergeMode#TRUNCATE} merge. */
  public RecallRequest weight(int head, float weight) {
    checkHead(head);
    if (!(weight > 0) || !Float.isFinite(weight)) {
      throw new IllegalArgumentException("weight of head " + head + " must be positive and finite, was " + weight);
    }
    weights[head] = weight;
    return this;
  }

  /** Most items head {@code head} may contribute to the merged list. */
  public RecallRequest quota(int head, int quota) {
    checkHead(head);
    if (quota < 0) {
      throw new IllegalArgumentException("quota of head " + head + " must not be negative, was " + quota);
    }
    quotas[head] = quota;
    quotasSet = true;
    return this;
  }

  /** The user's exposure filter (items already shown), or null. */
  public RecallRequest exposure(BloomFilter exposure) {
    this.exposure = exposure;
    return this;
  }

  /** Items no user may get; {@link BlockList#EMPTY} or null for none. */
  public RecallRequest blocked(BlockList blocked) {
    this.blocked = blocked == null ? BlockList.EMPTY : blocked;
    return this;
  }

  /** A caller predicate over item ids (true: may be returned), or null. */
  public RecallRequest filter(LongPredicate filter) {
    this.filter = filter;
    return this;
  }

  public int heads() {
    return heads;
  }

  public int k() {
    return k;
  }

  public MergeMode merge() {
    return merge;
  }

  /** Items to search for head {@code head}. */
  public int headK(int head) {
    return headK[head] == 0 ? k : headK[head];
  }

  public Params headParams(int head) {
    return headParams[head];
  }

  /** The weights, shared (read-only to callers). */
  float[] weights() {
    return weights;
  }

  /** The quotas, shared, or null when none was set. */
  int[] quotas() {
    return quotasSet ? quotas : null;
  }

  public BloomFilter exposure() {
    return exposure;
  }

  public BlockList blocked() {
    return blocked;
  }

  public LongPredicate filter() {
    return filter;
  }

  private void checkHead(int head) {
    if (head < 0 || head >= heads) {
      throw new IllegalArgumentException("head " + head + " is not in [0, " + heads + ")");
    }
  }
}

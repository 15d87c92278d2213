package dev.quiver.serving.recall;

/** How the per-head lists of a multi-objective recall become one list. */
public enum MergeMode {
  /**
   * Heads take turns, rank by rank: rank 0 of head 0, rank 0 of head 1, ..., then rank 1 of each
   * head, skipping items already taken and heads whose quota is spent. Scores of different heads
   * are never compared, which is why recall systems use it when heads score on different scales.
   */
  SNAKE,
  /**
   * All heads' candidates ranked together by weighted score ({@code weight[h] * score}); an item
   * found by several heads keeps its best weighted score and that head. Heads whose quota is spent
   * contribute no more items.
   */
  TRUNCATE
}

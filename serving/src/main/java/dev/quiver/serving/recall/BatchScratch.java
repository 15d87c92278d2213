package dev.quiver.serving.recall;

import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.SearchResults;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;

/**
 * One thread's buffers for batched recalls of one shape (users, lists and the dimension of each).
 * Batches of a steady shape reuse it and allocate nothing; a new shape replaces it.
 */
final class BatchScratch {
  final int count;
  final int heads;
  final int width;
  final FeatureRow[] rows;
  final float[] vectors;
  /** List l's queries, one per user, of its user head's dimension. */
  final float[][][] queries;
  final ItemFilter[] itemFilters;
  final OrdinalFilter[] filters;
  final SearchResults[][] results;
  final SearchResults[] one;
  final HeadMerger merger = new HeadMerger();
  private final FeatureRow[] translated;

  BatchScratch(int count, HeadPairing pairs, Tower tower) {
    this.count = count;
    this.heads = pairs.lists();
    this.width = tower.width();
    rows = new FeatureRow[count];
    translated = new FeatureRow[count];
    vectors = new float[count * width];
    queries = new float[heads][][];
    for (int l = 0; l < heads; l++) {
      queries[l] = new float[count][tower.headDim(pairs.userHead(l))];
    }
    itemFilters = new ItemFilter[count];
    filters = new OrdinalFilter[count];
    results = new SearchResults[heads][count];
    one = new SearchResults[heads];
    for (int i = 0; i < count; i++) {
      itemFilters[i] = new ItemFilter();
      for (int h = 0; h < heads; h++) {
        results[h][i] = new SearchResults(16);
      }
    }
  }

  boolean fits(int count, HeadPairing pairs, Tower tower) {
    if (this.count != count || heads != pairs.lists() || width != tower.width()) {
      return false;
    }
    for (int l = 0; l < heads; l++) {
      if (queries[l][0].length != tower.headDim(pairs.userHead(l))) {
        return false;
      }
    }
    return true;
  }

  /** {@code user} itself when made for {@code tower}, else its values carried over by name. */
  FeatureRow rowFor(int i, FeatureRow user, Tower tower) {
    if (user.tower() == tower) {
      return user;
    }
    if (translated[i] == null || translated[i].tower() != tower) {
      translated[i] = tower.newRow();
    }
    return user.copyTo(translated[i]);
  }
}

package dev.quiver.serving.recall;

import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.SearchResults;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;

/**
 * One thread's buffers for batched recalls of one shape (users, heads, dimension). Batches of a
 * steady shape reuse it and allocate nothing; a new shape replaces it.
 */
final class BatchScratch {
  final int count;
  final int heads;
  final int dim;
  final FeatureRow[] rows;
  final float[] vectors;
  final float[][] queries;
  final ItemFilter[] itemFilters;
  final OrdinalFilter[] filters;
  final SearchResults[][] results;
  final SearchResults[] one;
  final HeadMerger merger = new HeadMerger();
  private final FeatureRow[] translated;

  BatchScratch(int count, int heads, int dim) {
    this.count = count;
    this.heads = heads;
    this.dim = dim;
    rows = new FeatureRow[count];
    translated = new FeatureRow[count];
    vectors = new float[count * heads * dim];
    queries = new float[count][dim];
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

  boolean fits(int count, int heads, int dim) {
    return this.count == count && this.heads == heads && this.dim == dim;
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

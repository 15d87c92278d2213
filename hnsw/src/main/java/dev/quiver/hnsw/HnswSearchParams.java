package dev.quiver.hnsw;

import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;

/**
 * The search parameters of {@link HnswIndex}, typed. Immutable and thread-safe.
 *
 * @param efSearch the beam width on layer 0; a search uses {@code max(k, efSearch)}
 * @param rerank on graphs built with {@code traverse=sq8}, how many of the best candidates of the
 *     walk on int8 codes are rescored with the float rows (a search uses at least k); 0 for the
 *     default {@code min(ef, 2k + 10)}, which gave the recall of rescoring all efSearch candidates
 *     at every efSearch from 16 to 256 on a 768-dimensional two-tower set (docs/BENCHMARKS.md):
 *     an item of the true top k rarely ranks below it on its code
 */
public record HnswSearchParams(int efSearch, int rerank) implements SearchParams {
  /** efSearch {@value HnswIndex#DEFAULT_EF_SEARCH}, the default rerank depth. */
  public static final HnswSearchParams DEFAULTS = new HnswSearchParams(HnswIndex.DEFAULT_EF_SEARCH, 0);

  public HnswSearchParams {
    if (efSearch <= 0) {
      throw new IllegalArgumentException("efSearch must be positive, got " + efSearch);
    }
    if (rerank < 0) {
      throw new IllegalArgumentException("rerank must be positive, got " + rerank);
    }
  }

  /** Parses {@code efSearch} and {@code rerank}; null or empty gives {@link #DEFAULTS}. */
  public static HnswSearchParams parse(Params params) {
    if (params == null || params.asMap().isEmpty()) {
      return DEFAULTS;
    }
    for (String key : params.asMap().keySet()) {
      if (!key.equals("efSearch") && !key.equals("rerank")) {
        throw new IllegalArgumentException("unknown hnsw search parameter '" + key + "' in '" + params
            + "'; known: efSearch, rerank");
      }
    }
    int rerank = params.intValue("rerank", 0);
    if (params.asMap().containsKey("rerank") && rerank <= 0) {
      throw new IllegalArgumentException("rerank must be positive, got " + rerank);
    }
    return new HnswSearchParams(params.intValue("efSearch", HnswIndex.DEFAULT_EF_SEARCH), rerank);
  }

  /** The beam width of a search for {@code k} items. */
  int ef(int k) {
    return Math.max(k, efSearch);
  }

  /** The rescoring depth of a search for {@code k} items with beam width {@code ef}. */
  int rerankDepth(int k, int ef) {
    return rerank == 0 ? Math.min(ef, 2 * k + 10) : Math.max(k, rerank);
  }
}

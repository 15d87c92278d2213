package dev.quiver.pq;

import dev.quiver.engine.SearchParams;

/**
 * The search parameters of the flat quantized kinds ({@link PqIndex}, {@link Sq8Index}), typed.
 * Immutable and thread-safe.
 *
 * @param rerank with exact vectors kept ({@code refine=1} at build), how many candidates by
 *     approximate score are rescored exactly (a search uses at least k); 0 for none
 */
public record QuantizedSearchParams(int rerank) implements SearchParams {
  /** No re-ranking. */
  public static final QuantizedSearchParams DEFAULTS = new QuantizedSearchParams(0);

  public QuantizedSearchParams {
    if (rerank < 0) {
      throw new IllegalArgumentException("parameter rerank=" + rerank + " must be at least 0");
    }
  }
}

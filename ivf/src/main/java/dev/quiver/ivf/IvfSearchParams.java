package dev.quiver.ivf;

import dev.quiver.engine.SearchParams;

/**
 * The search parameters of the inverted-file kinds ({@code ivf-flat}, {@code ivf-sq8},
 * {@code ivf-pq}), typed. Immutable and thread-safe.
 *
 * @param nprobe how many lists a query scans, capped at the index's nlist
 * @param rerank with exact vectors kept ({@code refine=1} at build), how many candidates by
 *     approximate score are rescored exactly (a search uses at least k); 0 for the kind's default
 *     ({@code 10 k} for PQ codes, {@code 4 k} for SQ8; none without exact vectors)
 */
public record IvfSearchParams(int nprobe, int rerank) implements SearchParams {
  /** nprobe {@value IvfIndex#DEFAULT_NPROBE}, the kind's default re-ranking. */
  public static final IvfSearchParams DEFAULTS = new IvfSearchParams(IvfIndex.DEFAULT_NPROBE, 0);

  public IvfSearchParams {
    if (nprobe < 1) {
      throw new IllegalArgumentException("parameter nprobe=" + nprobe + " must be at least 1");
    }
    if (rerank < 0) {
      throw new IllegalArgumentException("parameter rerank=" + rerank + " must be at least 0");
    }
  }
}

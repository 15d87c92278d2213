package dev.quiver.engine;

/**
 * The typed form of the last {@link Params} object one thread searched with, so that the
 * {@code Params} convenience paths parse a setting once per thread and not once per query (a
 * caller reuses its {@code Params} object). Not thread-safe: one per searcher.
 */
public final class ParsedParams {
  private final VectorIndex index;
  private Params last;
  private SearchParams typed;

  public ParsedParams(VectorIndex index) {
    this.index = index;
  }

  /** {@code params} in the index's typed form, parsed only when not the object seen last. */
  public SearchParams of(Params params) {
    if (typed == null || params != last) {
      typed = index.searchParams(params);
      last = params;
    }
    return typed;
  }
}

package dev.quiver.engine;

/**
 * The search parameters of one index kind in typed form ({@code HnswSearchParams},
 * {@code IvfSearchParams}...), made once by {@link VectorIndex#searchParams} from the
 * {@code key=value} form, or directly by the caller, and passed to every
 * {@link Searcher#search}: a search then parses nothing. Implementations are immutable and
 * thread-safe; share one object across threads and searches.
 */
public interface SearchParams {
  /** The parameters of a kind that takes none (flat). */
  SearchParams NONE = None.INSTANCE;

  /**
   * {@code params} as the kind's own type, {@code defaults} when null.
   *
   * @throws IllegalArgumentException when {@code params} belongs to another kind
   */
  static <T extends SearchParams> T of(Class<T> type, SearchParams params, T defaults, String kind) {
    if (params == null) {
      return defaults;
    }
    if (!type.isInstance(params)) {
      throw new IllegalArgumentException(kind + " search takes " + type.getSimpleName() + ", got "
          + params.getClass().getSimpleName() + " " + params);
    }
    return type.cast(params);
  }

  /** The one value of {@link #NONE}. */
  enum None implements SearchParams {
    INSTANCE;

    @Override
    public String toString() {
      return "none";
    }
  }
}

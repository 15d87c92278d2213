package dev.quiver.tools;

/**
 * The shape of a generated two-tower data set: how many rows of each kind, and the knobs of the
 * latent model behind them (see {@link TwoTowerDataset} for what each knob does). Immutable.
 *
 * @param n items in the base set
 * @param dimension embedding dimension d
 * @param userQueries user-like queries (the real workload: off the item manifold)
 * @param itemQueries item-like queries (held-out items, not in the base)
 * @param learn training user vectors, disjoint from the queries (for query-aware builds)
 * @param seed everything generated is a function of the spec, seed included
 * @param latentDimension intrinsic dimension r of the items, r <= d
 * @param clusters number of item clusters
 * @param zipfExponent cluster popularity: cluster c gets a share proportional to 1/(c+1)^s
 * @param clusterSpread median within-cluster spread, relative to the unit spread of the centres
 * @param spreadVariation log-normal sigma of the per-cluster spread
 * @param itemNoise isotropic ambient noise of an item, relative to its unit-norm signal
 * @param userOffManifold isotropic off-manifold part of a user vector, relative to its unit-norm
 *     on-manifold part: user towers do not land on the item manifold
 * @param mapPerturbation how far the user tower's map differs from the item tower's
 * @param maxInterests a user mixes 1 to this many interest clusters
 */
public record DatasetSpec(
    int n, int dimension, int userQueries, int itemQueries, int learn, long seed,
    int latentDimension, int clusters, double zipfExponent, double clusterSpread,
    double spreadVariation, double itemNoise, double userOffManifold, double mapPerturbation,
    int maxInterests) {

  public DatasetSpec {
    positive("n", n);
    positive("dimension", dimension);
    nonNegative("userQueries", userQueries);
    nonNegative("itemQueries", itemQueries);
    nonNegative("learn", learn);
    positive("latentDimension", latentDimension);
    if (latentDimension > dimension) {
      throw new IllegalArgumentException("latentDimension " + latentDimension
          + " exceeds dimension " + dimension);
    }
    positive("clusters", clusters);
    positive("maxInterests", maxInterests);
    nonNegative("zipfExponent", zipfExponent);
    nonNegative("clusterSpread", clusterSpread);
    nonNegative("spreadVariation", spreadVariation);
    nonNegative("itemNoise", itemNoise);
    nonNegative("userOffManifold", userOffManifold);
    nonNegative("mapPerturbation", mapPerturbation);
  }

  /**
   * The default model for a size: r = d/5 clamped to [8, 16] (at most d), one cluster per ~500
   * items (8 to 4096), Zipf 1.0 popularity. The spreads and noise levels are tuned so that HNSW
   * (M=16, efConstruction=200) over 200k x 64 reaches recall@10 0.99 on item-like queries at
   * efSearch ~30 while user-like queries need ~160, about five times the beam (hnswlib peer).
   */
  public static DatasetSpec defaults(int n, int dimension, int userQueries, int itemQueries,
                                     int learn, long seed) {
    int latent = Math.min(dimension, Math.clamp(dimension / 5, 8, 16));
    int clusters = Math.clamp(n / 500, 8, 4096);
    return new DatasetSpec(n, dimension, userQueries, itemQueries, learn, seed, latent, clusters,
        1.0, 0.4, 0.4, 0.12, 3.0, 0.3, 4);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private static void nonNegative(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }
}

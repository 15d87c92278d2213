package dev.quiver.hnsw;

import dev.quiver.engine.Params;
import java.nio.file.Path;
import java.util.Set;

/**
 * Build parameters of an HNSW graph, named as hnswlib and FAISS name them.
 *
 * @param m neighbours chosen per node and layer; layer 0 keeps up to {@code 2 m}
 * @param efConstruction candidate list size while linking a node
 * @param seed seed of the level assignment: with one thread a build is reproducible
 * @param ipTransform inner product only: build on the L2 transform instead of the raw inner
 *     product (parameter {@code ipGraph=transform}, default {@code raw}; see {@link HnswIndex})
 * @param learn optional file of sample queries (.fvecs, .npy) that shapes the graph for
 *     off-distribution queries (see {@link QueryAwareLinks}); null for none
 * @param sq8 searches walk the graph on int8 codes of the rows and rescore the best candidates
 *     with the float rows (parameter {@code traverse=sq8}, or {@code f32} for walks on the float
 *     rows; the default is {@code sq8} from {@value #SQ8_MIN_DIMENSION} dimensions on; see
 *     {@link Codes})
 * @param reorder the build ends by renumbering the nodes for locality (parameter
 *     {@code reorder=bfs}, the default, or {@code none}; see {@link Reorder})
 */
record HnswConfig(int m, int efConstruction, long seed, boolean ipTransform, Path learn, boolean sq8,
                  boolean reorder) {
  static final int DEFAULT_M = 16;
  static final int DEFAULT_EF_CONSTRUCTION = 200;
  static final long DEFAULT_SEED = 42;
  /** Up to 255 neighbours keeps a node's layer-0 list within a few cache lines of a 4 KiB page. */
  static final int MAX_M = 128;
  /**
   * From here on a float row spans two or more cache lines and its code a quarter of them: walks
   * on codes were 1.6-1.8x faster at equal recall at 64 and 768 dimensions (docs/BENCHMARKS.md).
   * Below, a row is one line either way and rescoring would be pure cost.
   */
  static final int SQ8_MIN_DIMENSION = 32;
  private static final Set<String> NAMES = Set.of("M", "efConstruction", "seed", "ipGraph", "learn", "traverse",
      "reorder");

  HnswConfig {
    if (m < 2 || m > MAX_M) {
      throw new IllegalArgumentException("M must be in [2, " + MAX_M + "], got " + m);
    }
    if (efConstruction < 1) {
      throw new IllegalArgumentException("efConstruction must be positive, got " + efConstruction);
    }
  }

  /**
   * Reads {@code M}, {@code efConstruction}, {@code seed}, {@code ipGraph}, {@code learn},
   * {@code traverse}, {@code reorder}; rejects others. The default {@code traverse} depends on the
   * items' {@code dimension} and whether there are any ({@code count}): codes are trained on them.
   */
  static HnswConfig from(Params params, int dimension, int count) {
    Params p = params == null ? Params.DEFAULT : params;
    for (String name : p.asMap().keySet()) {
      if (!NAMES.contains(name)) {
        throw new IllegalArgumentException("unknown hnsw build parameter '" + name + "'; known: M, efConstruction,"
            + " seed, ipGraph, learn, traverse, reorder");
      }
    }
    String seed = p.asMap().get("seed");
    long seedValue;
    try {
      seedValue = seed == null ? DEFAULT_SEED : Long.parseLong(seed);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parameter seed=" + seed + " is not an integer");
    }
    String ipGraph = p.asMap().getOrDefault("ipGraph", "raw");
    if (!ipGraph.equals("raw") && !ipGraph.equals("transform")) {
      throw new IllegalArgumentException("parameter ipGraph=" + ipGraph + " must be raw or transform");
    }
    String traverse = p.asMap().getOrDefault("traverse",
        dimension >= SQ8_MIN_DIMENSION && count > 0 ? "sq8" : "f32");
    if (!traverse.equals("f32") && !traverse.equals("sq8")) {
      throw new IllegalArgumentException("parameter traverse=" + traverse + " must be f32 or sq8");
    }
    String reorder = p.asMap().getOrDefault("reorder", "bfs");
    if (!reorder.equals("bfs") && !reorder.equals("none")) {
      throw new IllegalArgumentException("parameter reorder=" + reorder + " must be bfs or none");
    }
    String learn = p.asMap().get("learn");
    return new HnswConfig(p.intValue("M", DEFAULT_M), p.intValue("efConstruction", DEFAULT_EF_CONSTRUCTION),
        seedValue, ipGraph.equals("transform"), learn == null || learn.isBlank() ? null : Path.of(learn),
        traverse.equals("sq8"), reorder.equals("bfs"));
  }

  /** Capacity of a layer-0 list: twice M, as in the HNSW paper. */
  int m0() {
    return 2 * m;
  }
}

package dev.quiver.hnsw;

import dev.quiver.engine.Checks;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Builds an {@link HnswIndex}, as JVector's {@code GraphIndexBuilder}: seeded levels, the rows
 * copied (normalised for cosine, with the extra coordinate of {@code ipGraph=transform}), every
 * node linked on the build's threads, the query-aware links of a learn sample, and at the end
 * the renumbering that puts graph neighbours together in memory ({@link Reorder}). Also the
 * level of a node added later, which must follow the same seeded draw. Stateless.
 */
final class HnswBuilder {
  /** Levels above this are cut: with M >= 2 they occur with probability below 2^-24. */
  private static final int MAX_LEVEL = 24;

  private HnswBuilder() {}

  /**
   * Builds a graph over a copy of {@code source}: see {@link HnswIndex#build}.
   *
   * @param ids one distinct external id per vector, or null for ids equal to ordinals
   * @param params {@code M} (default 16), {@code efConstruction} (default 200), {@code seed};
   *     {@code learn} is read by {@link HnswIndexFormat}, which passes the sample here
   * @param learn sample queries that shape the graph for queries unlike the items, or null
   * @param threads how many threads link nodes; with one the build is reproducible
   */
  static HnswIndex build(VectorStore source, long[] ids, Metric metric, Params params, VectorStore learn,
                         int threads) {
    HnswConfig config = HnswConfig.from(params, source.dimension(), source.size());
    Checks.positive("threads", threads);
    int n = source.size();
    if (ids != null && ids.length != n) {
      throw new IllegalArgumentException("ids has " + ids.length + " entries for " + n + " vectors");
    }
    if (learn != null && learn.dimension() != source.dimension()) {
      throw new IllegalArgumentException("learn queries have dimension " + learn.dimension() + ", items "
          + source.dimension());
    }
    byte[] levels = levels(config, n);
    int upperBlocks = 0;
    for (byte level : levels) {
      upperBlocks += level;
    }
    int slots0 = learn == null ? config.m0() : config.m0() + QueryAwareLinks.slots(config);
    Graph.Shape shape = new Graph.Shape(source.dimension(), config.m(), slots0, n, upperBlocks, Graph.mode(metric, config.ipTransform()),
        ids != null, false);
    Arena arena = Arena.ofShared();
    try {
      Graph g = Graph.allocate(arena, shape);
      float maxNorm = fill(g, source, ids, metric, levels);
      if (config.sq8()) {
        g = g.withCodes(Codes.of(arena, g, n));
      }
      Tombstones deleted = new Tombstones(n);
      HnswIndex index = new HnswIndex(metric, config, g, n, upperBlocks, -1, maxNorm, deleted, arena);
      if (ids != null) {
        index.updater().checkIds();
      }
      index.linker.linkAll(g, 0, n, threads);
      if (learn != null && learn.size() > 0 && n > 0) {
        index.queryAwareLinks(QueryAwareLinks.add(index, g, learn, threads));
      }
      return config.reorder() && n > 1 ? renumbered(index) : index;
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /**
   * {@code index} with its nodes renumbered by {@link Reorder}, in memory of its own; closes
   * {@code index}. Ordinals, ids, tombstones and search results stay as they were.
   */
  static HnswIndex renumbered(HnswIndex index) {
    return renumbered(index, Reorder.breadthFirst(index.graph(), index.size(), Linker.entryNode(index.linker.entry())));
  }

  /** As {@link #renumbered(HnswIndex)}, node {@code i} of the result being node {@code order[i]} of the input. */
  static HnswIndex renumbered(HnswIndex index, int[] order) {
    Graph g = index.graph();
    int n = index.size();
    int upperUsed = index.upperUsed();
    long e = index.linker.entry();
    int[] rank = Reorder.inverse(order);
    Arena arena = Arena.ofShared();
    try {
      Graph p = Reorder.apply(arena, g, n, upperUsed, order);
      Tombstones t = new Tombstones(n);
      for (int i = 0; i < n; i++) {
        if (index.deleted.contains(i)) {
          t.add(rank[i]);
        }
      }
      long entry = Linker.pack(Linker.entryLevel(e), rank[Linker.entryNode(e)]);
      HnswIndex r = new HnswIndex(index.metric(), index.config, p, n, upperUsed, entry, index.maxNorm, t, arena);
      r.queryAwareLinks(index.queryAwareLinks());
      index.close();
      return r;
    } catch (RuntimeException | Error ex) {
      arena.close();
      throw ex;
    }
  }

  /** Seeded levels: {@code floor(-ln(u) / ln(M))}, u uniform from a hash of (seed, ordinal). */
  private static byte[] levels(HnswConfig config, int n) {
    byte[] levels = new byte[n];
    for (int i = 0; i < n; i++) {
      levels[i] = (byte) levelOf(config, i);
    }
    return levels;
  }

  static int levelOf(HnswConfig config, int ordinal) {
    long z = config.seed() + (ordinal + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = ((z >>> 11) + 1) * 0x1.0p-53;
    return (int) Math.min(MAX_LEVEL, Math.floor(-Math.log(u) / Math.log(config.m())));
  }

  /** Copies rows, ids and levels into {@code g}; returns the largest norm (inner product) or 0. */
  private static float fill(Graph g, VectorStore source, long[] ids, Metric metric, byte[] levels) {
    int n = source.size();
    MemorySegment.copy(source.segment(), 0, g.vectors, 0, source.byteSize());
    int block = 0;
    for (int i = 0; i < n; i++) {
      g.levels.set(ValueLayout.JAVA_BYTE, i, levels[i]);
      if (levels[i] > 0) {
        g.upperIndex.setAtIndex(Graph.INT, i, block);
        block += levels[i];
      }
      if (ids != null) {
        g.ids.setAtIndex(Graph.LONG, i, ids[i]);
      }
    }
    float[] row = new float[g.dim];
    if (metric == Metric.COSINE) {
      for (int i = 0; i < n; i++) {
        g.load(i, row);
        VectorKernels.normalize(row);
        MemorySegment.copy(row, 0, g.vectors, Graph.FLOAT, g.vectorOffset(i), g.dim);
      }
    }
    if (g.extras == null) {
      return 0f;
    }
    double max = 0;
    for (int i = 0; i < n; i++) {
      g.load(i, row);
      max = Math.max(max, VectorKernels.dot(row, row));
    }
    float maxNorm = (float) Math.sqrt(max);
    for (int i = 0; i < n; i++) {
      g.load(i, row);
      g.extras.setAtIndex(Graph.FLOAT, i, extraCoordinate(maxNorm, row));
    }
    return maxNorm;
  }

  /** {@code sqrt(R^2 - |x|^2)}, 0 for an item at or beyond the norm bound R. */
  static float extraCoordinate(float maxNorm, float[] row) {
    double sq = (double) maxNorm * maxNorm - VectorKernels.dot(row, row);
    return sq > 0 ? (float) Math.sqrt(sq) : 0f;
  }
}

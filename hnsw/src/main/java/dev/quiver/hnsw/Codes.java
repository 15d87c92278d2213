package dev.quiver.hnsw;

import dev.quiver.engine.HugePages;
import dev.quiver.pq.ScalarQuantizer;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The int8 copy of a graph's rows that search walks read instead of the float32 rows (build
 * parameter {@code traverse=sq8}). A walk at high dimension spends its time waiting for rows that
 * miss the caches; a code is a quarter of a float row, so four times as many fit in the caches
 * and a miss brings in a quarter of the lines. The walk ranks by the estimate, and the search
 * rescores its best candidates with the float rows (see {@link Walker#rerank}), so the results
 * carry exact scores.
 *
 * <p>Codes are {@link ScalarQuantizer}'s SQ8 ({@code x'_j = min_j + step_j (s_j + 128)}, trained
 * on the items' per-component ranges). A walk needs only the order of the scores, so constants
 * common to every item are dropped: inner product ranks by {@code sum_j w_j s_j} with weights
 * {@code w_j = q_j step_j}, and L2 by {@code 2 sum_j w_j s_j - |x'|^2} (the norms of the
 * reconstructions are stored per item), both equal to the score of the reconstruction up to a
 * per-query constant.
 *
 * <ul>
 *   <li>{@code rows}: {@code capacity x dim} signed bytes.</li>
 *   <li>{@code norms}: L2 only, {@code capacity} float32.</li>
 * </ul>
 *
 * Writes (encoding an added item) happen before the item is linked, so walks read only codes in
 * place. Thread-safe for reading.
 */
final class Codes {
  private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

  final ScalarQuantizer sq;
  final int dim;
  final MemorySegment rows;
  final MemorySegment norms;

  Codes(ScalarQuantizer sq, MemorySegment rows, MemorySegment norms) {
    this.sq = sq;
    this.dim = sq.dimension();
    this.rows = rows;
    this.norms = norms;
  }

  /** Zeroed codes for {@code capacity} items, with norms when {@code l2}. */
  static Codes allocate(Arena arena, ScalarQuantizer sq, int capacity, boolean l2) {
    int n = Math.max(1, capacity);
    return new Codes(sq,
        HugePages.allocate(arena, (long) n * sq.dimension()),
        l2 ? arena.allocate((long) n * Float.BYTES, 64) : null);
  }

  /**
   * Trains on the first {@code n} float rows of {@code g} and encodes them. Items added later
   * keep these ranges (components outside them are clamped), so the build needs items.
   *
   * @throws IllegalArgumentException when {@code n == 0}
   */
  static Codes of(Arena arena, Graph g, int n) {
    if (n == 0) {
      throw new IllegalArgumentException("traverse=sq8 trains its quantizer on the items: the build has none");
    }
    ScalarQuantizer sq = ScalarQuantizer.train(g.vectors, n, g.dim);
    Codes c = allocate(arena, sq, g.capacity, g.mode == Graph.L2);
    float[] row = new float[g.dim];
    byte[] code = new byte[g.dim];
    for (int i = 0; i < n; i++) {
      g.load(i, row);
      c.encode(i, row, code);
    }
    return c;
  }

  long bytes(int n) {
    return (long) n * dim + (norms == null ? 0 : (long) n * Float.BYTES);
  }

  /** Encodes {@code row} as item {@code node}; {@code code} is scratch of {@code dim} bytes. */
  void encode(int node, float[] row, byte[] code) {
    sq.encode(row, code, 0);
    MemorySegment.copy(code, 0, rows, BYTE, (long) node * dim, dim);
    if (norms != null) {
      float[] min = sq.min();
      float[] step = sq.step();
      double sum = 0;
      for (int j = 0; j < dim; j++) {
        double x = min[j] + step[j] * (code[j] + 128);
        sum += x * x;
      }
      norms.setAtIndex(Graph.FLOAT, node, (float) sum);
    }
  }

  /** The weights of query {@code q} (see the class comment) into {@code w}. */
  void weights(float[] q, float[] w) {
    float[] step = sq.step();
    float scale = norms == null ? 1f : 2f;
    for (int j = 0; j < dim; j++) {
      w[j] = scale * q[j] * step[j];
    }
  }

  /** As {@link Graph#touchList} for the codes of {@code nodes[0..n)}. */
  int touch(int[] nodes, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
      long off = (long) nodes[i] * dim;
      long last = off + dim - 1;
      sum += rows.get(BYTE, last);
      for (long at = off; at < last; at += 64) {
        sum += rows.get(BYTE, at);
      }
    }
    return sum;
  }

  /** The estimates of {@code nodes[0..n)} for weights {@code w}, into {@code scores}. */
  void scoreAll(float[] w, int[] nodes, int n, float[] scores) {
    VectorKernels.dotInt8Rows(w, rows, nodes, n, dim, scores);
    if (norms != null) {
      for (int i = 0; i < n; i++) {
        scores[i] -= norms.getAtIndex(Graph.FLOAT, nodes[i]);
      }
    }
  }

  /** A copy of the codes of items {@code order[0..)}, item {@code i} of the copy being {@code order[i]}. */
  Codes permuted(Arena arena, int[] order) {
    Codes c = allocate(arena, sq, order.length, norms != null);
    for (int i = 0; i < order.length; i++) {
      MemorySegment.copy(rows, (long) order[i] * dim, c.rows, (long) i * dim, dim);
      if (norms != null) {
        c.norms.setAtIndex(Graph.FLOAT, i, norms.getAtIndex(Graph.FLOAT, order[i]));
      }
    }
    return c;
  }

  /** A copy with room for {@code capacity} items holding the first {@code size}. */
  Codes grow(Arena arena, int capacity, int size) {
    Codes c = allocate(arena, sq, capacity, norms != null);
    MemorySegment.copy(rows, 0, c.rows, 0, (long) size * dim);
    if (norms != null) {
      MemorySegment.copy(norms, 0, c.norms, 0, (long) size * Float.BYTES);
    }
    return c;
  }
}

package dev.quiver.hnsw;

import dev.quiver.engine.HugePages;
import dev.quiver.engine.Metric;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The off-heap memory of an HNSW index for a fixed capacity of nodes: the vectors and the
 * neighbour lists of every layer, each a flat array that a mapped file provides as it is.
 *
 * <ul>
 *   <li>{@code vectors}: {@code capacity x dim} float32 rows (normalised for cosine).</li>
 *   <li>{@code level0}: per node, one int count followed by {@code slots0} neighbour ints. A
 *       node's list is found by multiplication alone, with no indirection.</li>
 *   <li>{@code levels}: one byte per node, its top layer.</li>
 *   <li>{@code upperIndex}: per node, the first of its {@code level} blocks in {@code upper}
 *       (layer {@code l >= 1} is block {@code upperIndex + l - 1}); -1 for a layer-0 node.</li>
 *   <li>{@code upper}: blocks of one count and {@code m} neighbour ints. Only about one node in
 *       {@code m} has any, so upper layers take little room.</li>
 *   <li>{@code extras}: inner product with the L2 transform only: the extra coordinate
 *       {@code sqrt(maxNorm^2 - |x|^2)} of each item (see {@link HnswIndex}).</li>
 *   <li>{@code ids}: external ids as longs, or null when ids are ordinals.</li>
 *   <li>{@code codes}: int8 copies of the rows that search walks read, or null (see
 *       {@link Codes}).</li>
 *   <li>{@code ordinals}, {@code nodes}: after {@link Reorder}, each node's item ordinal (the
 *       row of the build's source) and the inverse, one int each; null when nodes are
 *       ordinals. Nodes added after the build keep their ordinal.</li>
 * </ul>
 *
 * Counts are written with release and read with acquire semantics after the slots they cover, so
 * a search running beside an insertion reads only node ordinals that are fully in place. A list
 * being rewritten may be read half old, half new: every entry is still a valid node. Memory is
 * native-endian, which the file format fixes as little-endian (checked when opening).
 */
final class Graph {
  static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
  static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
  static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
  private static final VarHandle COUNT = INT.varHandle();

  /** Inner product, graph built on it directly. */
  static final int IP = 0;
  static final int COSINE = 1;
  static final int L2 = 2;
  /** Inner product, graph built on the L2 transform: item-item scores add the extra coordinates. */
  static final int IP_TRANSFORM = 3;

  final int dim;
  final int m;
  final int slots0;
  final int capacity;
  final int upperCapacity;
  final int mode;
  final long rowBytes;
  final long stride0;
  final long strideUp;
  final MemorySegment vectors;
  final MemorySegment level0;
  final MemorySegment levels;
  final MemorySegment upperIndex;
  final MemorySegment upper;
  final MemorySegment extras;
  final MemorySegment ids;
  final Codes codes;
  final MemorySegment ordinals;
  final MemorySegment nodes;

  private Graph(Shape s, MemorySegment vectors, MemorySegment level0, MemorySegment levels,
                MemorySegment upperIndex, MemorySegment upper, MemorySegment extras, MemorySegment ids,
                Codes codes, MemorySegment ordinals, MemorySegment nodes) {
    this.dim = s.dim;
    this.m = s.m;
    this.slots0 = s.slots0;
    this.capacity = s.capacity;
    this.upperCapacity = s.upperCapacity;
    this.mode = s.mode;
    this.rowBytes = (long) dim * Float.BYTES;
    this.stride0 = (long) (slots0 + 1) * Integer.BYTES;
    this.strideUp = (long) (m + 1) * Integer.BYTES;
    this.vectors = vectors;
    this.level0 = level0;
    this.levels = levels;
    this.upperIndex = upperIndex;
    this.upper = upper;
    this.extras = extras;
    this.ids = ids;
    this.codes = codes;
    this.ordinals = ordinals;
    this.nodes = nodes;
  }

  /** Sizes of a graph: everything needed to lay out or check its memory. */
  record Shape(int dim, int m, int slots0, int capacity, int upperCapacity, int mode, boolean hasIds,
               boolean permuted) {
    long vectorBytes(int n) {
      return (long) n * dim * Float.BYTES;
    }

    long level0Bytes(int n) {
      return (long) n * (slots0 + 1) * Integer.BYTES;
    }

    long upperBytes(int blocks) {
      return (long) blocks * (m + 1) * Integer.BYTES;
    }

    Shape withCapacity(int nodes, int blocks) {
      return new Shape(dim, m, slots0, nodes, blocks, mode, hasIds, permuted);
    }
  }

  static int mode(Metric metric, boolean ipTransform) {
    return switch (metric) {
      case INNER_PRODUCT -> ipTransform ? IP_TRANSFORM : IP;
      case COSINE -> COSINE;
      case L2 -> L2;
    };
  }

  /** Zeroed memory for {@code s.capacity} nodes in {@code arena}; every upper index is -1. */
  static Graph allocate(Arena arena, Shape s) {
    int n = Math.max(1, s.capacity);
    MemorySegment upperIndex = arena.allocate((long) n * Integer.BYTES, 64);
    upperIndex.fill((byte) -1);
    return new Graph(s,
        HugePages.allocate(arena, Math.max(1, s.vectorBytes(n))),
        HugePages.allocate(arena, s.level0Bytes(n)),
        arena.allocate(n, 64),
        upperIndex,
        arena.allocate(Math.max(Integer.BYTES, s.upperBytes(s.upperCapacity)), 64),
        s.mode == IP_TRANSFORM ? arena.allocate((long) n * Float.BYTES, 64) : null,
        s.hasIds ? arena.allocate((long) n * Long.BYTES, 64) : null, null,
        s.permuted ? arena.allocate((long) n * Integer.BYTES, 64) : null,
        s.permuted ? arena.allocate((long) n * Integer.BYTES, 64) : null);
  }

  /** Wraps memory laid out elsewhere (a mapped file); sizes are the caller's to check. */
  static Graph view(Shape s, MemorySegment vectors, MemorySegment level0, MemorySegment levels,
                    MemorySegment upperIndex, MemorySegment upper, MemorySegment extras, MemorySegment ids,
                    Codes codes, MemorySegment ordinals, MemorySegment nodes) {
    return new Graph(s, vectors, level0, levels, upperIndex, upper, extras, ids, codes, ordinals, nodes);
  }

  /** This graph's memory with {@code codes} for search walks. */
  Graph withCodes(Codes codes) {
    return new Graph(shape(), vectors, level0, levels, upperIndex, upper, extras, ids, codes, ordinals, nodes);
  }

  Shape shape() {
    return new Shape(dim, m, slots0, capacity, upperCapacity, mode, ids != null, ordinals != null);
  }

  /**
   * A copy with room for {@code nodes} nodes and {@code blocks} upper blocks, holding the first
   * {@code size} nodes and {@code usedBlocks} blocks of this one. The caller must keep writers
   * out while it copies; readers may go on reading this graph.
   */
  Graph grow(Arena arena, int nodes, int blocks, int size, int usedBlocks, boolean withIds) {
    Shape s = new Shape(dim, m, slots0, nodes, blocks, mode, withIds, ordinals != null);
    Graph g = allocate(arena, s);
    Shape old = shape();
    MemorySegment.copy(vectors, 0, g.vectors, 0, old.vectorBytes(size));
    MemorySegment.copy(level0, 0, g.level0, 0, old.level0Bytes(size));
    MemorySegment.copy(levels, 0, g.levels, 0, size);
    MemorySegment.copy(upperIndex, 0, g.upperIndex, 0, (long) size * Integer.BYTES);
    MemorySegment.copy(upper, 0, g.upper, 0, old.upperBytes(usedBlocks));
    if (extras != null) {
      MemorySegment.copy(extras, 0, g.extras, 0, (long) size * Float.BYTES);
    }
    if (withIds) {
      for (int i = 0; i < size; i++) {
        g.ids.setAtIndex(LONG, i, id(i));
      }
    }
    if (ordinals != null) {
      MemorySegment.copy(ordinals, 0, g.ordinals, 0, (long) size * Integer.BYTES);
      MemorySegment.copy(this.nodes, 0, g.nodes, 0, (long) size * Integer.BYTES);
    }
    return codes == null ? g : g.withCodes(codes.grow(arena, nodes, size));
  }

  /** External id of {@code node}: its stored id, else its ordinal. */
  long id(int node) {
    return ids == null ? ordinal(node) : ids.getAtIndex(LONG, node);
  }

  /** The item ordinal of {@code node}, as filters and callers see it. */
  int ordinal(int node) {
    return ordinals == null ? node : ordinals.getAtIndex(INT, node);
  }

  /** The node of item ordinal {@code ordinal}. */
  int node(int ordinal) {
    return nodes == null ? ordinal : nodes.getAtIndex(INT, ordinal);
  }

  /** Records that appended {@code node} is item ordinal {@code node} (a permuted graph only). */
  void appendIdentity(int node) {
    if (ordinals != null) {
      ordinals.setAtIndex(INT, node, node);
      nodes.setAtIndex(INT, node, node);
    }
  }

  int level(int node) {
    return levels.get(ValueLayout.JAVA_BYTE, node);
  }

  float extra(int node) {
    return extras.getAtIndex(FLOAT, node);
  }

  long vectorOffset(int node) {
    return node * rowBytes;
  }

  /** The segment holding the lists of {@code level}. */
  MemorySegment lists(int level) {
    return level == 0 ? level0 : upper;
  }

  /** Byte offset of {@code node}'s list (its count) at {@code level} in {@link #lists}. */
  long listOffset(int node, int level) {
    if (level == 0) {
      return node * stride0;
    }
    return (upperIndex.getAtIndex(INT, node) + level - 1L) * strideUp;
  }

  /** Neighbour slots of a list at {@code level}. */
  int slots(int level) {
    return level == 0 ? slots0 : m;
  }

  static int count(MemorySegment lists, long offset) {
    return (int) COUNT.getAcquire(lists, offset);
  }

  static void publishCount(MemorySegment lists, long offset, int count) {
    COUNT.setRelease(lists, offset, count);
  }

  static int neighbour(MemorySegment lists, long offset, int i) {
    return lists.get(INT, offset + Integer.BYTES + (long) i * Integer.BYTES);
  }

  static void setNeighbour(MemorySegment lists, long offset, int i, int node) {
    lists.set(INT, offset + Integer.BYTES + (long) i * Integer.BYTES, node);
  }

  /**
   * The score of {@code node} for query {@code q}: higher is better. {@code qExtra} is the query's
   * extra coordinate under the inner-product transform: 0 for a user query, the item's own when
   * an item is being linked (transform mode only).
   */
  float score(float[] q, float qExtra, int node) {
    long off = node * rowBytes;
    return switch (mode) {
      case L2 -> -VectorKernels.squareDistance(q, vectors, off, dim);
      case IP_TRANSFORM -> qExtra == 0f ? VectorKernels.dot(q, vectors, off, dim)
          : VectorKernels.dot(q, vectors, off, dim) + qExtra * extras.getAtIndex(FLOAT, node);
      default -> VectorKernels.dot(q, vectors, off, dim);
    };
  }

  /**
   * Reads one int from every cache line of {@code node}'s list at {@code level} and returns their
   * sum, a value nobody needs: Java has no prefetch instruction, and a load whose result is used
   * late is the next best thing, as it puts the lines on their way while other misses are
   * pending instead of one after another.
   */
  int touchList(int node, int level) {
    MemorySegment lists = level == 0 ? level0 : upper;
    long off = listOffset(node, level);
    long last = off + (level == 0 ? stride0 : strideUp) - Integer.BYTES;
    int sum = lists.get(INT, last);
    for (long at = off; at < last; at += 64) {
      sum += lists.get(INT, at);
    }
    return sum;
  }

  /** As {@link #touchList} for the float rows of {@code nodes[0..n)}. */
  int touchRows(int[] nodes, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
      long off = nodes[i] * rowBytes;
      long last = off + rowBytes - Float.BYTES;
      sum += vectors.get(INT, last);
      for (long at = off; at < last; at += 64) {
        sum += vectors.get(INT, at);
      }
    }
    return sum;
  }

  /**
   * Copies {@code node}'s list at {@code level} into {@code dst} with one bulk copy (one bounds
   * check instead of one per entry); returns its length.
   */
  int copyList(int node, int level, int[] dst) {
    MemorySegment lists = level == 0 ? level0 : upper;
    long off = listOffset(node, level);
    int n = count(lists, off);
    MemorySegment.copy(lists, INT, off + Integer.BYTES, dst, 0, n);
    return n;
  }

  /**
   * Scores {@code nodes[0..n)} into {@code scores}, as {@link #score} does one, with one call of
   * the gathered-rows kernel: it reads several rows at once, so their cache misses overlap.
   */
  void scoreAll(float[] q, float qExtra, int[] nodes, int n, float[] scores) {
    switch (mode) {
      case L2 -> {
        VectorKernels.squareDistanceRows(q, vectors, nodes, n, dim, scores);
        for (int i = 0; i < n; i++) {
          scores[i] = -scores[i];
        }
      }
      case IP_TRANSFORM -> {
        VectorKernels.dotRows(q, vectors, nodes, n, dim, scores);
        if (qExtra != 0f) {
          for (int i = 0; i < n; i++) {
            scores[i] += qExtra * extras.getAtIndex(FLOAT, nodes[i]);
          }
        }
      }
      default -> VectorKernels.dotRows(q, vectors, nodes, n, dim, scores);
    }
  }

  /** Copies node's vector into {@code dst}; returns its extra coordinate (0 without the transform). */
  float load(int node, float[] dst) {
    MemorySegment.copy(vectors, FLOAT, node * rowBytes, dst, 0, dim);
    return extras == null ? 0f : extras.getAtIndex(FLOAT, node);
  }
}

package dev.quiver.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Float32 vectors stored off-heap as back-to-back rows in one 64-byte aligned
 * {@link MemorySegment}: row {@code r} starts at byte {@code r * dimension * 4}. This is the layout
 * every scan kernel reads.
 *
 * <p>A store either owns its memory ({@link #allocate}: a shared {@link Arena} freed by
 * {@link #close()}) or is a view over memory owned by someone else ({@link #view}, e.g. a mapped
 * index file, whose owner frees it). Any read after the memory is freed throws
 * {@link IllegalStateException} from the JDK rather than crashing the process.
 *
 * <p>Appending is for a single builder thread; once built, concurrent readers are safe.
 */
public final class VectorStore implements AutoCloseable {
  /** Alignment of the rows' base address: a cache line and a 512-bit vector. */
  public static final long ALIGNMENT = 64;

  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private final int dimension;
  private final long rowBytes;
  private final boolean owner;
  private Arena arena;
  private MemorySegment segment;
  private int size;

  private VectorStore(int dimension, Arena arena, MemorySegment segment, int size, boolean owner) {
    this.dimension = dimension;
    this.rowBytes = (long) dimension * Float.BYTES;
    this.arena = arena;
    this.segment = segment;
    this.size = size;
    this.owner = owner;
  }

  /** An empty store with room for {@code capacity} rows; it grows when more are appended. */
  public static VectorStore allocate(int dimension, int capacity) {
    Checks.positive("dimension", dimension);
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
    }
    Arena arena = Arena.ofShared();
    return new VectorStore(dimension, arena, allocate(arena, dimension, Math.max(1, capacity)), 0, true);
  }

  /** A read-only view of {@code size} rows at the start of {@code segment}, which it does not own. */
  public static VectorStore view(MemorySegment segment, int dimension, int size) {
    Checks.positive("dimension", dimension);
    long needed = (long) size * dimension * Float.BYTES;
    if (segment.byteSize() < needed) {
      throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes cannot hold "
          + size + " rows of dimension " + dimension + " (" + needed + " bytes)");
    }
    return new VectorStore(dimension, null, segment.asSlice(0, needed), size, false);
  }

  private static MemorySegment allocate(Arena arena, int dimension, long rows) {
    return arena.allocate(rows * dimension * Float.BYTES, ALIGNMENT);
  }

  public int dimension() {
    return dimension;
  }

  /** Number of rows stored. */
  public int size() {
    return size;
  }

  /** The rows' memory; valid until {@link #close()} (or until the owner of a view frees it). */
  public MemorySegment segment() {
    return segment;
  }

  /** Byte offset of row {@code ordinal} in {@link #segment()}. */
  public long offset(int ordinal) {
    return ordinal * rowBytes;
  }

  /** Bytes of vector data held (size x dimension x 4). */
  public long byteSize() {
    return size * rowBytes;
  }

  /**
   * Appends a vector after checking its dimension and that every component is finite; returns
   * its ordinal.
   */
  public int add(float[] vector) {
    Checks.vector(vector, dimension, "vector");
    if (!owner) {
      throw new UnsupportedOperationException("this store is a read-only view");
    }
    ensureCapacity(size + 1);
    MemorySegment.copy(vector, 0, segment, FLOAT, offset(size), dimension);
    return size++;
  }

  /**
   * Appends {@code rows} back-to-back float32 rows read from {@code src} at byte {@code srcOffset}
   * in byte order {@code order} (little-endian for .fvecs and .npy bodies, native order for another
   * store's segment). Every component must be finite: on the first that is not, this throws and
   * leaves the store as it was.
   */
  public void appendRows(MemorySegment src, long srcOffset, int rows, ByteOrder order) {
    if (!owner) {
      throw new UnsupportedOperationException("this store is a read-only view");
    }
    if (rows < 0) {
      throw new IllegalArgumentException("rows must be >= 0, got " + rows);
    }
    ensureCapacity(Math.addExact(size, rows));
    long start = offset(size);
    MemorySegment.copy(src, FLOAT.withOrder(order), srcOffset, segment, FLOAT, start, (long) rows * dimension);
    checkFinite(start, rows);
    size += rows;
  }

  /** Throws naming the row (as its future ordinal) and component of the first non-finite value. */
  private void checkFinite(long start, int rows) {
    long end = start + rows * rowBytes;
    // A float is infinite or NaN when its exponent bits are all set; adding one exponent unit then
    // carries into the sign bit. OR-ing that over the block has no branch, so the JIT can vectorize
    // it, and only a block that fails pays for the search below.
    int any = 0;
    for (long off = start; off < end; off += Float.BYTES) {
      any |= (segment.get(ValueLayout.JAVA_INT_UNALIGNED, off) & 0x7f800000) + 0x00800000;
    }
    if (any >= 0) {
      return;
    }
    for (long off = start; ; off += Float.BYTES) {
      if (!Float.isFinite(segment.get(FLOAT, off))) {
        long element = off / Float.BYTES;
        throw new IllegalArgumentException("row " + element / dimension + " has a non-finite component at index "
            + element % dimension + ": " + segment.get(FLOAT, off));
      }
    }
  }

  /** Copies row {@code ordinal} into {@code dst[0..dimension)}. */
  public void get(int ordinal, float[] dst) {
    Checks.index("ordinal", ordinal, size);
    MemorySegment.copy(segment, FLOAT, offset(ordinal), dst, 0, dimension);
  }

  /** A copy of row {@code ordinal}. */
  public float[] get(int ordinal) {
    float[] v = new float[dimension];
    get(ordinal, v);
    return v;
  }

  /** Scales every row to unit length in place (zero rows stay zero); for cosine. */
  public void normalizeRows() {
    float[] row = new float[dimension];
    for (int r = 0; r < size; r++) {
      MemorySegment.copy(segment, FLOAT, offset(r), row, 0, dimension);
      dev.quiver.simd.VectorKernels.normalize(row);
      MemorySegment.copy(row, 0, segment, FLOAT, offset(r), dimension);
    }
  }

  private void ensureCapacity(int rows) {
    long capacity = segment.byteSize() / rowBytes;
    if (rows <= capacity) {
      return;
    }
    long grown = Math.max(rows, capacity + (capacity >> 1) + 16);
    if (grown > Integer.MAX_VALUE) {
      throw new IllegalStateException("a store holds at most " + Integer.MAX_VALUE + " rows");
    }
    Arena bigger = Arena.ofShared();
    MemorySegment next = allocate(bigger, dimension, grown);
    MemorySegment.copy(segment, 0, next, 0, size * rowBytes);
    arena.close();
    arena = bigger;
    segment = next;
  }

  /** Frees the memory of an owning store; a view leaves it to its owner. Idempotent. */
  @Override
  public void close() {
    if (owner && arena != null) {
      arena.close();
      arena = null;
    }
  }
}

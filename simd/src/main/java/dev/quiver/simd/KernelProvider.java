package dev.quiver.simd;

import java.lang.foreign.MemorySegment;

/**
 * The kernels one implementation provides. {@link VectorKernels} picks one provider at start-up
 * (the Panama Vector API one, else the scalar one) and every caller goes through that facade.
 *
 * <p>Conventions shared by every method:
 * <ul>
 *   <li>Vectors in a {@link MemorySegment} are little-endian float32 rows stored back to back:
 *       row {@code r} of a block starting at byte {@code offset} begins at
 *       {@code offset + r * dim * 4}. Offsets need not be aligned.</li>
 *   <li>Arguments are not validated here beyond what the JDK checks (array and segment bounds):
 *       kernels sit on hot paths, and callers validate once at their API boundary.</li>
 *   <li>Implementations are stateless and thread-safe.</li>
 * </ul>
 */
public interface KernelProvider {

  /** A short name for logs and benchmark labels ("panama-512", "scalar"). */
  String name();

  /** Sum of {@code a[aOffset+i] * b[bOffset+i]} for {@code i < length}. */
  float dot(float[] a, int aOffset, float[] b, int bOffset, int length);

  /** Dot product of {@code q[0..length)} with the float32 vector at byte {@code offset} of {@code segment}. */
  float dot(float[] q, MemorySegment segment, long offset, int length);

  /** Squared Euclidean distance between {@code a[aOffset..)} and {@code b[bOffset..)}. */
  float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length);

  /** Squared Euclidean distance between {@code q[0..length)} and the vector at {@code offset}. */
  float squareDistance(float[] q, MemorySegment segment, long offset, int length);

  /**
   * Cosine similarity of {@code a[0..length)} and {@code b[0..length)}: dot / (|a| |b|), computed in
   * one pass; 0 when either vector is all zeros.
   */
  float cosine(float[] a, float[] b, int length);

  /**
   * Scores one query against {@code rows} consecutive vectors of {@code dim} floats starting at
   * byte {@code offset}: {@code scores[scoresOffset + r] = dot(q, row r)}. The inner loop of a
   * flat or IVF list scan.
   */
  void dotRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
               float[] scores, int scoresOffset);

  /** As {@link #dotRows} with squared Euclidean distance. */
  void squareDistanceRows(float[] q, MemorySegment segment, long offset, int rows, int dim,
                          float[] scores, int scoresOffset);

  /**
   * Scores one query against {@code count} rows picked by ordinal: {@code scores[i] = dot(q, row
   * ordinals[i])}, row {@code r} being the {@code dim} floats at byte {@code r * dim * 4}. The
   * inner loop of a graph walk, whose rows lie scattered in memory: implementations may read
   * several rows at once so that their cache misses overlap.
   */
  void dotRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim, float[] scores);

  /** As {@link #dotRows(float[], MemorySegment, int[], int, int, float[])} with squared Euclidean distance. */
  void squareDistanceRows(float[] q, MemorySegment segment, int[] ordinals, int count, int dim,
                          float[] scores);

  /**
   * Copies {@code rows} (at most {@link VectorKernels#PANEL_ROWS}) consecutive vectors of
   * {@code dim} floats starting at byte {@code offset} into {@code panel} transposed, dimension
   * major: {@code panel[j * PANEL_ROWS + r] = row r, component j}. Slots of rows
   * {@code >= rows} are zero. {@code panel.length >= dim * PANEL_ROWS}.
   */
  void packPanel(MemorySegment segment, long offset, int rows, int dim, float[] panel);

  /**
   * The register-tiled many-queries-by-many-rows kernel of batched search. For queries
   * {@code q0 <= i < q0 + queryCount}, each {@code dim} floats at {@code queries[i * dim]}, and the
   * {@link VectorKernels#PANEL_ROWS} rows of a panel made by {@link #packPanel}, writes
   * {@code scores[(i - q0) * PANEL_ROWS + r] = dot(query i, row r)}.
   * {@code scores.length >= queryCount * PANEL_ROWS}.
   */
  void dotPanel(float[] queries, int q0, int queryCount, int dim, float[] panel, float[] scores);

  /**
   * The dense-layer form of {@link #dotPanel}: one panel of a layer's weights (the output units
   * are the panel's rows) applied to {@code rowCount} inputs of {@code dim} floats at
   * {@code x[xOffset + i * dim]}, with the bias and an optional ReLU applied on the way out:
   * {@code y[yOffset + i * yStride + r] = act(dot(input i, row r) + bias[biasOffset + r])} for
   * {@code r < cols} ({@code cols <= PANEL_ROWS}), {@code act} being {@code max(0, .)} when
   * {@code relu}, else the identity. Entries of {@code y} at {@code r >= cols} are not touched,
   * nor is {@code bias} read there.
   */
  void densePanel(float[] x, int xOffset, int rowCount, int dim, float[] panel, float[] bias,
                  int biasOffset, int cols, boolean relu, float[] y, int yOffset, int yStride);

  /**
   * Copies the {@code length} float32 values at byte {@code offset} of {@code segment} into
   * {@code dst[dstOffset ..)}, or adds them to it when {@code add}: an embedding row into a
   * model's input. For the few dozen floats of a row this beats {@link MemorySegment#copy}.
   */
  void loadRow(MemorySegment segment, long offset, int length, float[] dst, int dstOffset, boolean add);

  /** Integer dot product of signed int8 vectors {@code a[aOffset..)} and {@code b[bOffset..)}. */
  int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length);

  /** Integer dot product of int8 vector {@code q[0..length)} with the int8 vector at byte {@code offset}. */
  int dotInt8(byte[] q, MemorySegment segment, long offset, int length);

  /**
   * Scores float weights against {@code count} signed int8 rows picked by ordinal:
   * {@code scores[i] = sum_j w[j] * code(ordinals[i], j)}, row {@code r} being the {@code dim}
   * bytes at byte {@code r * dim}. The walk of a graph over scalar-quantized rows: a quantizer
   * folds its per-component steps into {@code w}, and a row costs a quarter of the memory
   * traffic of float32. As with {@link #dotRows(float[], MemorySegment, int[], int, int, float[])},
   * implementations may read several rows at once.
   */
  void dotInt8Rows(float[] w, MemorySegment codes, int[] ordinals, int count, int dim, float[] scores);

  /**
   * Dot product of a float32 query with an IEEE half-precision vector stored as little-endian
   * 16-bit values at byte {@code offset} (the asymmetric form that fp16 storage needs).
   */
  float dotFloat16(float[] q, MemorySegment segment, long offset, int length);

  /**
   * The index of the first {@code i} in {@code [from, to)} with {@code values[i] > threshold}, or
   * {@code to} when there is none. Lets top-k selection skip, a vector at a time, the scores that
   * cannot enter a full heap.
   */
  int firstAbove(float[] values, int from, int to, float threshold);

  // ---------------------------------------------------------------- product-quantizer scans

  /**
   * Asymmetric-distance (ADC) scan of 8-bit product-quantizer codes: for {@code rows} codes of
   * {@code m} bytes, back to back from {@code codes[offset]},
   * {@code out[outOffset + r] = sum over j < m of table[j * 256 + code(r, j)]}, the bytes read
   * unsigned. {@code table} holds {@code m} tables of 256 floats, one per sub-quantizer.
   */
  void pqScan8(float[] table, int m, byte[] codes, int offset, int rows, float[] out, int outOffset);

  /**
   * The 4-bit PQ "fast scan" over {@code blocks} blocks of {@link VectorKernels#FAST_SCAN_BLOCK}
   * items starting at byte {@code offset} of {@code codes}. A block is {@code 32 m} bytes:
   * sub-quantizer {@code j} takes bytes {@code [32 j, 32 j + 32)}, byte {@code t} holding item
   * {@code t} in its low nibble and item {@code t + 32} in its high one. {@code tables} holds one
   * table of 16 unsigned bytes per sub-quantizer every {@link VectorKernels#FAST_SCAN_TABLE_STRIDE}
   * bytes, the 16 repeated after them. Writes, for every slot {@code i} of block {@code b},
   * {@code out[outOffset + 64 b + i] = fma(sum_i, inverseScale, bias)}, {@code sum_i} the integer
   * sum of the item's {@code m} table bytes; exact while sums stay below 32,768
   * ({@code m <= }{@link VectorKernels#FAST_SCAN_MAX_M}).
   */
  void pqFastScan4(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                   float bias, float[] out, int outOffset);

  /**
   * The 8-bit PQ fast scan: as {@link #pqFastScan4} with 256-entry tables. A block of
   * {@link VectorKernels#FAST_SCAN_BLOCK} items is {@code 64 m} bytes, sub-quantizer {@code j}
   * taking bytes {@code [64 j, 64 j + 64)}, byte {@code t} the code of item {@code t};
   * {@code tables} holds 256 unsigned bytes per sub-quantizer, back to back. Exact while sums
   * stay below 32,768 ({@code m <= }{@link VectorKernels#FAST_SCAN_MAX_M}).
   */
  void pqFastScan8(MemorySegment codes, long offset, int blocks, int m, byte[] tables, float inverseScale,
                   float bias, float[] out, int outOffset);
}

package dev.quiver.pq;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SQ8: each component is mapped linearly from its trained range {@code [min_j, max_j]} onto 256
 * levels, stored as a signed byte {@code s_j = u_j - 128} with {@code u_j} in {@code [0, 255]}.
 * The reconstruction is {@code x'_j = min_j + step_j (s_j + 128)}, {@code step_j = (max_j - min_j)
 * / 255}; for a component inside its range {@code |x_j - x'_j| <= step_j / 2}. Components outside
 * the range (vectors not seen in training) are clamped to it.
 *
 * <p>Scoring folds the query into float weights {@code w_j = q_j step_j} once per query and runs
 * the float-by-int8 kernel {@link VectorKernels#dotInt8Rows} on the codes:
 * {@code q.x' = bias + sum_j w_j s_j} with {@code bias = sum_j q_j (min_j + 128 step_j)}. The
 * query keeps its float precision (as FAISS scores SQ codes), so the estimate of {@code q.x} is
 * off by at most {@code sum_j |q_j| step_j / 2}, the encoding error, plus float rounding:
 * {@link #errorBound}. (Rounding the weights to int8 as well, for an int8-by-int8 kernel, ran no
 * faster here and lost recall at high {@code nprobe}.)
 *
 * <p>Immutable; thread-safe. {@link Query} objects are per thread.
 */
public final class ScalarQuantizer {
  private static final int LEVELS = 255;

  private final int dim;
  private final float[] min;
  private final float[] step;
  private final float[] inverseStep;

  /** A quantizer with the given per-component minimum and step (kept, not copied). */
  public ScalarQuantizer(float[] min, float[] step) {
    if (min.length != step.length || min.length == 0) {
      throw new IllegalArgumentException("SQ8 ranges of " + min.length + " minima and " + step.length + " steps");
    }
    this.dim = min.length;
    this.min = min;
    this.step = step;
    this.inverseStep = new float[dim];
    for (int j = 0; j < dim; j++) {
      if (!(step[j] >= 0) || !Float.isFinite(step[j]) || !Float.isFinite(min[j])) {
        throw new IllegalArgumentException("SQ8 component " + j + " has min " + min[j] + " and step " + step[j]);
      }
      inverseStep[j] = step[j] > 0 ? 1f / step[j] : 0f;
    }
  }

  /** Trains the ranges on {@code n} rows of {@code dim} float32 at {@code rows} (native order). */
  public static ScalarQuantizer train(MemorySegment rows, int n, int dim) {
    if (n <= 0) {
      throw new IllegalArgumentException("SQ8 needs at least 1 training vector, got " + n);
    }
    float[] lo = new float[dim];
    float[] hi = new float[dim];
    java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
    java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
    float[] row = new float[dim];
    for (int i = 0; i < n; i++) {
      MemorySegment.copy(rows, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) i * dim * Float.BYTES,
          row, 0, dim);
      for (int j = 0; j < dim; j++) {
        lo[j] = Math.min(lo[j], row[j]);
        hi[j] = Math.max(hi[j], row[j]);
      }
    }
    float[] step = new float[dim];
    for (int j = 0; j < dim; j++) {
      step[j] = (hi[j] - lo[j]) / LEVELS;
    }
    return new ScalarQuantizer(lo, step);
  }

  public int dimension() {
    return dim;
  }

  /** Per-component minima (not a copy). */
  public float[] min() {
    return min;
  }

  /** Per-component steps (not a copy). */
  public float[] step() {
    return step;
  }

  /** Writes the {@code dim} code bytes of {@code v} at {@code out[offset..)}. */
  public void encode(float[] v, byte[] out, int offset) {
    for (int j = 0; j < dim; j++) {
      int u = Math.round((v[j] - min[j]) * inverseStep[j]);
      u = Math.max(0, Math.min(LEVELS, u));
      out[offset + j] = (byte) (u - 128);
    }
  }

  /** The reconstruction of the code at {@code code[offset..)} into {@code out[0..dim)}. */
  public void decode(byte[] code, int offset, float[] out) {
    for (int j = 0; j < dim; j++) {
      out[j] = min[j] + step[j] * (code[offset + j] + 128);
    }
  }

  /** {@link #decode(byte[], int, float[])} of a code stored in {@code codes} at byte {@code offset}. */
  public void decode(MemorySegment codes, long offset, float[] out) {
    for (int j = 0; j < dim; j++) {
      out[j] = min[j] + step[j] * (codes.get(ValueLayout.JAVA_BYTE, offset + j) + 128);
    }
  }

  /** {@code |x'|^2} of a code: the L2 scan ranks by {@code 2 q.x' - |x'|^2}. */
  public float squaredNorm(byte[] code, int offset, float[] scratch) {
    decode(code, offset, scratch);
    return VectorKernels.dot(scratch, scratch);
  }

  /**
   * The upper bound on {@code |estimate - q.x|} documented above, for a vector {@code x} inside
   * the trained ranges whose code is {@code code[offset..)}, before float rounding.
   */
  public double errorBound(float[] q) {
    double encoding = 0;
    for (int j = 0; j < dim; j++) {
      encoding += Math.abs(q[j]) * step[j] / 2;
    }
    return encoding;
  }

  /**
   * One query folded into weights {@code q_j step_j} and a bias, with the row scratch of its
   * scans. Reused per thread.
   */
  public static final class Query {
    final float[] weights;
    float bias;
    final int[] rows;

    /** A query of {@code dim} components whose scans score at most {@code maxRows} rows a call. */
    public Query(int dim, int maxRows) {
      this.weights = new float[dim];
      this.rows = new int[maxRows];
    }

    /**
     * Estimates {@code q.x} for the {@code count} codes at positions {@code [start, start + count)}
     * of {@code codes} ({@code dim} bytes each) into {@code out[0..count)}.
     */
    public void estimateRows(MemorySegment codes, int start, int count, float[] out) {
      for (int i = 0; i < count; i++) {
        rows[i] = start + i;
      }
      VectorKernels.dotInt8Rows(weights, codes, rows, count, weights.length, out);
      for (int i = 0; i < count; i++) {
        out[i] += bias;
      }
    }
  }

  /** Folds {@code q} into {@code out}. Allocates nothing. */
  public void prepare(float[] q, Query out) {
    double bias = 0;
    for (int j = 0; j < dim; j++) {
      out.weights[j] = q[j] * step[j];
      bias += (double) q[j] * (min[j] + 128 * step[j]);
    }
    out.bias = (float) bias;
  }
}

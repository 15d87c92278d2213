package dev.quiver.tower;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One feature of a tower: how its raw values select rows of its embedding table, and where its
 * embedding goes in the tower's input. Immutable and thread-safe; the table lives off-heap in the
 * model's arena and is exposed read-only.
 *
 * <p>The feature's part of the input is its embedding ({@link #dim()} floats), then, for a
 * numeric feature passed on raw, its normalised value: {@link #width()} floats in all.
 */
public final class Feature {
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
  /** Tables below this size (an L1 data cache) are assumed to stay cached between requests. */
  private static final long CACHED_TABLE_BYTES = 32 << 10;

  private final String name;
  private final FeatureType type;
  private final MemorySegment table;
  private final long rows;
  private final int dim;
  private final boolean multiValued;
  private final Pooling pooling;
  private final boolean right;
  private final NumericTransform transform;
  private final long missingBucket;
  private final double[] boundaries;
  private final double[] searchBoundaries;
  private final boolean raw;
  private final double rawMean;
  private final double rawStd;
  private final Map<String, Integer> vocabulary;
  private final List<String> vocabularyList;

  /**
   * {@code right} is {@code torch.bucketize}'s: whether a value equal to a boundary goes to the
   * upper bucket; {@code transform} (or null) is applied to numeric values first.
   */
  Feature(String name, FeatureType type, MemorySegment table, long rows, int dim, boolean multiValued,
          Pooling pooling, long missingBucket, double[] boundaries, boolean right,
          NumericTransform transform, ModelConfig.RawConfig raw, List<String> vocabulary) {
    this.name = name;
    this.type = type;
    this.table = table.asReadOnly();
    this.rows = rows;
    this.dim = dim;
    this.multiValued = multiValued;
    this.pooling = pooling;
    this.right = right;
    this.transform = transform;
    this.missingBucket = missingBucket;
    this.boundaries = boundaries;
    this.searchBoundaries = searchBoundaries(boundaries);
    this.raw = raw != null;
    this.rawMean = raw == null ? 0 : raw.mean();
    this.rawStd = raw == null ? 1 : raw.std();
    this.vocabularyList = vocabulary == null ? List.of() : List.copyOf(vocabulary);
    this.vocabulary = new HashMap<>();
    for (int i = 0; i < vocabularyList.size(); i++) {
      this.vocabulary.putIfAbsent(vocabularyList.get(i), i + 1);
    }
  }

  public String name() {
    return name;
  }

  public FeatureType type() {
    return type;
  }

  /** The embedding table, {@link #rows()} x {@link #dim()} float32, row-major, read-only. */
  public MemorySegment table() {
    return table;
  }

  public long rows() {
    return rows;
  }

  public int dim() {
    return dim;
  }

  /** Floats this feature adds to the tower input: the embedding, plus one for a raw numeric. */
  public int width() {
    return dim + (raw ? 1 : 0);
  }

  public boolean multiValued() {
    return multiValued;
  }

  /** How several values combine. */
  public Pooling pooling() {
    return pooling;
  }

  /** Numeric features: whether a value equal to a boundary goes to the upper bucket. */
  public boolean right() {
    return right;
  }

  /** The row used when the value is missing, or -1 for a zero embedding. */
  public long missingBucket() {
    return missingBucket;
  }

  /** Numeric features: the bucket boundaries (a copy). */
  public double[] boundaries() {
    return boundaries == null ? new double[0] : boundaries.clone();
  }

  /** Numeric features: whether the normalised value follows the embedding. */
  public boolean raw() {
    return raw;
  }

  public double rawMean() {
    return rawMean;
  }

  public double rawStd() {
    return rawStd;
  }

  /** Categorical features: the vocabulary; value i has row i + 1. */
  public List<String> vocabulary() {
    return vocabularyList;
  }

  /**
   * The table row of value {@code k} of this feature in {@code row} ({@code k <
   * row.valueCount(index)}), where {@code index} is this feature's index in its tower.
   */
  public long bucket(FeatureRow row, int index, int k) {
    return switch (type) {
      case ID -> FeatureHash.bucket(row.isString(index, k)
          ? FeatureHash.hash(row.stringAt(index, k)) : FeatureHash.hash(row.longAt(index, k)), rows);
      case NUMERIC -> numericBucket(number(row, index));
      case CATEGORICAL -> categoryRow(row.category(index));
    };
  }

  /** A numeric feature's value in {@code row}, transformed. */
  private double number(FeatureRow row, int index) {
    double v = row.number(index);
    return transform == null ? v : transform.apply(v);
  }

  /**
   * {@code torch.bucketize(v, boundaries, right)}: the number of boundaries below {@code v}
   * (at or below it when {@code right}). A binary search without branches over
   * {@link #searchBoundaries}: each step is a conditional move, where a branch would be
   * mispredicted on every other step.
   */
  long numericBucket(double v) {
    double[] b = searchBoundaries;
    int i = 0;
    if (right) {
      for (int step = b.length >>> 1; step > 0; step >>>= 1) {
        i = b[i + step - 1] <= v ? i + step : i;
      }
    } else {
      for (int step = b.length >>> 1; step > 0; step >>>= 1) {
        i = b[i + step - 1] < v ? i + step : i;
      }
    }
    return i;
  }

  /**
   * The boundaries followed by NaNs up to a power of two greater than their number: NaN compares
   * false with everything, so the padding is never counted and the search needs no bounds.
   */
  private static double[] searchBoundaries(double[] boundaries) {
    if (boundaries == null) {
      return null;
    }
    double[] padded = new double[Integer.highestOneBit(boundaries.length) << 1];
    Arrays.fill(padded, Double.NaN);
    System.arraycopy(boundaries, 0, padded, 0, boundaries.length);
    return padded;
  }

  private long categoryRow(String value) {
    Integer i = vocabulary.get(value);
    return i == null ? 0 : i;
  }

  /**
   * The table rows of the first values of {@code rows[r0, r0 + n)}: {@code buckets[at + r]}, or
   * -1 for a missing value. One feature over many rows, so that one type's code runs in a tight
   * loop whose iterations (a hash, a bucket count) are independent and overlap. Returns a value
   * that the caller must keep, so that the reads of {@link #touchStrings} are not optimised away.
   */
  int firstBuckets(FeatureRow[] rows, int r0, int n, int index, long[] buckets, int at) {
    int touched = 0;
    switch (type) {
      case ID -> {
        touched = n > 1 ? touchStrings(rows, r0, n, index) : 0;
        for (int r = 0; r < n; r++) {
          FeatureRow row = rows[r0 + r];
          buckets[at + r] = row.valueCount(index) == 0 ? -1 : bucket(row, index, 0);
        }
      }
      case NUMERIC -> {
        for (int r = 0; r < n; r++) {
          FeatureRow row = rows[r0 + r];
          buckets[at + r] = row.valueCount(index) == 0 ? -1 : numericBucket(number(row, index));
        }
      }
      case CATEGORICAL -> {
        touched = n > 1 ? touchStrings(rows, r0, n, index) : 0;
        for (int r = 0; r < n; r++) {
          String c = rows[r0 + r].category(index);
          buckets[at + r] = c == null ? -1 : categoryRow(c);
        }
      }
    }
    return touched;
  }

  /**
   * Reads the length of each row's first string value, which brings the row's value arrays and
   * the string's bytes into cache with all rows' misses in flight together; the hashing loop,
   * whose branches and long dependency chains keep few loads in flight, then finds them cached.
   * Only worth it for several rows: a single row's misses have no others to overlap with.
   * Returns a value that depends on every read.
   */
  private static int touchStrings(FeatureRow[] rows, int r0, int n, int index) {
    int sum = 0;
    for (int r = 0; r < n; r++) {
      String v = rows[r0 + r].stringAt(index, 0);
      sum += v == null ? 0 : v.length();
    }
    return sum;
  }

  /**
   * Reads the ends of each table row {@code buckets[at, at + n)} (none for -1) of a table too
   * large to stay cached, to start the cache misses of all rows at once: a loop of bare loads
   * keeps dozens in flight, the copy loop only a few. Returns their sum, which the caller must
   * keep so that the loads are not optimised away.
   */
  float touchRows(long[] buckets, int at, int n) {
    if (table.byteSize() < CACHED_TABLE_BYTES) {
      return 0f;
    }
    float sum = 0f;
    for (int r = 0; r < n; r++) {
      long b = buckets[at + r];
      // The first and the last float: a row of 32 floats spans two cache lines.
      sum += b < 0 ? 0f : table.getAtIndex(F, b * dim) + table.getAtIndex(F, b * dim + dim - 1);
    }
    return sum;
  }

  /**
   * Writes this feature's part of the inputs of {@code rows[r0, r0 + n)}, row r at
   * {@code x[offset + r * stride]}, {@code buckets[at + r]} being from {@link #firstBuckets}.
   * Rows of a large table are expected in cache by now, from {@link #touchRows}.
   */
  void writeAll(FeatureRow[] rows, int r0, int n, int index, long[] buckets, int at, float[] x,
                int offset, int stride) {
    boolean plain = !multiValued && !raw;
    for (int r = 0; r < n; r++) {
      long b = buckets[at + r];
      if (plain && b >= 0) {
        copyRow(b, x, offset + r * stride);
      } else {
        write(rows[r0 + r], index, b, x, offset + r * stride);
      }
    }
  }

  /**
   * Writes this feature's {@link #width()} floats for {@code row} at {@code x[offset]};
   * {@code first} is the row of its first value, or -1 when it has none.
   */
  private void write(FeatureRow row, int index, long first, float[] x, int offset) {
    int n = row.valueCount(index);
    if (n == 0) {
      writeMissing(x, offset);
      return;
    }
    copyRow(first, x, offset);
    if (n > 1 && pooling == Pooling.MAX) {
      for (int k = 1; k < n; k++) {
        maxRow(bucket(row, index, k), x, offset);
      }
    } else if (n > 1) {
      for (int k = 1; k < n; k++) {
        addRow(bucket(row, index, k), x, offset);
      }
      scale(x, offset, pooling == Pooling.MEAN ? 1f / n
          : pooling == Pooling.SQRTN ? (float) (1 / Math.sqrt(n)) : 1f);
    }
    if (raw) {
      x[offset + dim] = (float) ((number(row, index) - rawMean) / rawStd);
    }
  }

  private void scale(float[] x, int offset, float s) {
    if (s != 1f) {
      for (int j = 0; j < dim; j++) {
        x[offset + j] *= s;
      }
    }
  }

  private void maxRow(long r, float[] x, int offset) {
    for (int j = 0; j < dim; j++) {
      x[offset + j] = Math.max(x[offset + j], table.getAtIndex(F, r * dim + j));
    }
  }

  private void writeMissing(float[] x, int offset) {
    if (missingBucket >= 0) {
      copyRow(missingBucket, x, offset);
    } else {
      Arrays.fill(x, offset, offset + dim, 0f);
    }
    if (raw) {
      x[offset + dim] = 0f;
    }
  }

  private void copyRow(long r, float[] x, int offset) {
    if (dim == 0) {
      return;
    }
    VectorKernels.loadRow(table, r * dim * Float.BYTES, dim, x, offset, false);
  }

  private void addRow(long r, float[] x, int offset) {
    if (dim == 0) {
      return;
    }
    VectorKernels.loadRow(table, r * dim * Float.BYTES, dim, x, offset, true);
  }
}

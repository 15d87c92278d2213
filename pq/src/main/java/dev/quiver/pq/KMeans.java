package dev.quiver.pq;

import dev.quiver.simd.VectorKernels;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's k-means under squared Euclidean distance, the trainer of IVF coarse quantizers and PQ
 * codebooks.
 *
 * <ul>
 *   <li>Seeding: k-means++ (D² sampling) over a pool of at most {@value #POOL_PER_CENTROID}·k of
 *       the points, drawn at random. Seeding costs one pass over the pool per centroid, k·pool·dim
 *       in all, so bounding the pool keeps it a small part of training; the Lloyd iterations then
 *       run on every point given.</li>
 *   <li>Assignment: every iteration scores all points against all centroids with the batched
 *       panel kernel ({@link Centroids#assign}), split across threads.</li>
 *   <li>Empty clusters are split as FAISS does: an empty centroid takes a copy of a populous one
 *       (chosen with probability growing with its size), and the two are pushed apart by a
 *       relative {@value #SPLIT_EPS}, so both win points in the next assignment.</li>
 *   <li>Spherical k-means, for inner-product and cosine quantizers: every centroid is scaled to
 *       unit length after seeding and after each update (as FAISS trains IVF quantizers for inner
 *       product). Lists are then probed by {@code q.c} against centroids of one length, so a
 *       tight cluster's longer mean does not draw the queries of its looser neighbours.</li>
 *   <li>Everything random comes from one seed: the same points, k, iterations and seed give the
 *       same centroids, whatever the thread count.</li>
 * </ul>
 *
 * Sampling the training set is the caller's choice ({@link #sample}). Stateless; thread-safe.
 */
public final class KMeans {
  /** Lloyd iterations when the caller does not say (FAISS trains IVF quantizers with 10). */
  public static final int DEFAULT_ITERATIONS = 10;
  static final int POOL_PER_CENTROID = 4;
  private static final double SPLIT_EPS = 1.0 / 1024;

  private KMeans() {}

  /**
   * Trained centroids and the mean squared distance of the points to their closest centroid at the
   * last assignment.
   */
  public record Result(float[] centroids, int k, int dim, double meanSquaredError, int iterations) {}

  /**
   * Clusters {@code n} points of {@code dim} floats stored back to back in {@code points} into
   * {@code k} centroids.
   *
   * @throws IllegalArgumentException fewer points than centroids, or a non-positive size
   */
  public static Result train(float[] points, int n, int dim, int k, int iterations, long seed, int threads) {
    return train(points, n, dim, k, iterations, seed, threads, false);
  }

  /**
   * As {@link #train(float[], int, int, int, int, long, int)}; {@code spherical} keeps the
   * centroids at unit length.
   */
  public static Result train(float[] points, int n, int dim, int k, int iterations, long seed, int threads,
                             boolean spherical) {
    if (k <= 0 || dim <= 0 || iterations <= 0) {
      throw new IllegalArgumentException("k-means needs positive k, dimension and iterations, got k=" + k
          + ", dimension=" + dim + ", iterations=" + iterations);
    }
    if (n < k) {
      throw new IllegalArgumentException("k-means with k=" + k + " centroids needs at least " + k
          + " training vectors, got " + n);
    }
    if ((long) n * dim > points.length) {
      throw new IllegalArgumentException(n + " points of dimension " + dim + " do not fit in " + points.length + " floats");
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] centroids = seedPlusPlus(points, n, dim, k, rnd);
    if (spherical) {
      normalize(centroids, k, dim);
    }
    int[] labels = new int[n];
    Arrays.fill(labels, -1);
    float[] ranks = new float[n];
    double mse = 0;
    int it = 0;
    while (it < iterations) {
      int changed = new Centroids(centroids, k, dim).assign(points, n, true, labels, ranks, threads);
      mse = meanSquaredError(points, n, dim, ranks);
      it++;
      if (changed == 0) {
        break;
      }
      centroids = update(points, n, dim, k, labels, rnd);
      if (spherical) {
        normalize(centroids, k, dim);
      }
    }
    return new Result(centroids, k, dim, mse, it);
  }

  /** Scales each non-zero centroid to unit length (a zero one has no direction to keep). */
  private static void normalize(float[] centroids, int k, int dim) {
    for (int c = 0; c < k; c++) {
      float norm = (float) Math.sqrt(VectorKernels.dot(centroids, c * dim, centroids, c * dim, dim));
      if (norm > 0) {
        float inv = 1f / norm;
        for (int j = 0; j < dim; j++) {
          centroids[c * dim + j] *= inv;
        }
      }
    }
  }

  /** Squared distance to the closest centroid is {@code |x|^2 - rank}; clamped at 0 against rounding. */
  private static double meanSquaredError(float[] points, int n, int dim, float[] ranks) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.max(0f, VectorKernels.dot(points, i * dim, points, i * dim, dim) - ranks[i]);
    }
    return sum / n;
  }

  private static float[] seedPlusPlus(float[] points, int n, int dim, int k, SplittableRandom rnd) {
    int[] pool = samplePool(n, Math.min(n, Math.max(k, POOL_PER_CENTROID * k)), rnd);
    float[] centroids = new float[k * dim];
    double[] dist = new double[pool.length];
    Arrays.fill(dist, Double.POSITIVE_INFINITY);
    int chosen = rnd.nextInt(pool.length);
    for (int c = 0; c < k; c++) {
      System.arraycopy(points, pool[chosen] * dim, centroids, c * dim, dim);
      double total = 0;
      for (int i = 0; i < pool.length; i++) {
        double d = VectorKernels.squareDistance(points, pool[i] * dim, centroids, c * dim, dim);
        dist[i] = Math.min(dist[i], d);
        total += dist[i];
      }
      chosen = total > 0 ? drawProportional(dist, total, rnd) : rnd.nextInt(pool.length);
    }
    return centroids;
  }

  private static int drawProportional(double[] weights, double total, SplittableRandom rnd) {
    double target = rnd.nextDouble() * total;
    double acc = 0;
    for (int i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (acc > target && weights[i] > 0) {
        return i;
      }
    }
    for (int i = weights.length - 1; ; i--) {
      if (weights[i] > 0) {
        return i;
      }
    }
  }

  /** {@code size} distinct indices of {@code [0, n)}, by a partial Fisher-Yates shuffle. */
  static int[] samplePool(int n, int size, SplittableRandom rnd) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    for (int i = 0; i < size; i++) {
      int j = i + rnd.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return Arrays.copyOf(all, size);
  }

  private static float[] update(float[] points, int n, int dim, int k, int[] labels, SplittableRandom rnd) {
    double[] sums = new double[k * dim];
    int[] counts = new int[k];
    for (int i = 0; i < n; i++) {
      int c = labels[i];
      counts[c]++;
      int base = c * dim;
      int p = i * dim;
      for (int j = 0; j < dim; j++) {
        sums[base + j] += points[p + j];
      }
    }
    float[] centroids = new float[k * dim];
    for (int c = 0; c < k; c++) {
      if (counts[c] > 0) {
        double inv = 1.0 / counts[c];
        for (int j = 0; j < dim; j++) {
          centroids[c * dim + j] = (float) (sums[c * dim + j] * inv);
        }
      }
    }
    splitEmpty(centroids, counts, n, dim, k, rnd);
    return centroids;
  }

  /**
   * Gives every empty cluster half of a populous one. Since n >= k, an empty cluster implies one
   * with at least two points, so the search below always ends.
   */
  private static void splitEmpty(float[] centroids, int[] counts, int n, int dim, int k, SplittableRandom rnd) {
    for (int empty = 0; empty < k; empty++) {
      if (counts[empty] != 0) {
        continue;
      }
      int donor = 0;
      while (true) {
        double p = (counts[donor] - 1.0) / (n - k);
        if (counts[donor] > 1 && rnd.nextDouble() < p) {
          break;
        }
        donor = (donor + 1) % k;
      }
      for (int j = 0; j < dim; j++) {
        float v = centroids[donor * dim + j];
        // Relative push, plus an absolute one so that zero components move too.
        float delta = (float) (SPLIT_EPS * (Math.abs(v) + 1e-6)) * (j % 2 == 0 ? 1 : -1);
        centroids[empty * dim + j] = v + delta;
        centroids[donor * dim + j] = v - delta;
      }
      counts[empty] = counts[donor] / 2;
      counts[donor] -= counts[empty];
    }
  }

  /**
   * Copies {@code min(n, max)} of the {@code n} rows read by {@code rows} into one array, drawn
   * at random with {@code seed} (all of them, in order, when {@code n <= max}).
   */
  public static float[] sample(RowSource rows, int n, int dim, int max, long seed) {
    int m = Math.min(n, max);
    int[] picked = m == n ? null : samplePool(n, m, new SplittableRandom(seed));
    if (picked != null) {
      Arrays.sort(picked);
    }
    float[] out = new float[m * dim];
    for (int i = 0; i < m; i++) {
      rows.read(picked == null ? i : picked[i], out, i * dim);
    }
    return out;
  }

  /** Reads row {@code r} into {@code dst[offset .. offset + dim)}. */
  @FunctionalInterface
  public interface RowSource {
    void read(int r, float[] dst, int offset);
  }
}

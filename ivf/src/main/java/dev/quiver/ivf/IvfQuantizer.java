package dev.quiver.ivf;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.KMeans;
import dev.quiver.pq.Knobs;
import dev.quiver.pq.Rows;
import java.io.Serializable;

/**
 * The coarse quantizer of an inverted file and the k-means sample it was trained on: the part of
 * an IVF build that needs a sample only. A distributed build trains it once, hands it to the
 * workers that {@link #assign} the items to lists, and assembles the index from their labels with
 * {@link IvfBuilds#assemble}; the result is the index a single-machine build of the same vectors
 * gives. Immutable, serializable (plain arrays).
 */
public final class IvfQuantizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final float[] centroidRows;
  private final int nlist;
  private final int dim;
  private final boolean normalize;
  private final boolean l2;
  /** The k-means sample (normalised for cosine), for kinds that train more on it. */
  final transient float[] sample;
  final transient int sampleCount;
  private transient Centroids centroids;

  private IvfQuantizer(float[] centroidRows, int nlist, int dim, Metric metric, float[] sample, int sampleCount) {
    this.centroidRows = centroidRows;
    this.nlist = nlist;
    this.dim = dim;
    this.normalize = metric == Metric.COSINE;
    this.l2 = metric == Metric.L2;
    this.sample = sample;
    this.sampleCount = sampleCount;
  }

  /**
   * Trains on a sample of {@code source} drawn with the build's fixed seed: build parameters
   * {@code nlist}, {@code train} and {@code iterations} as {@link IvfIndex}.
   */
  public static IvfQuantizer train(VectorStore source, Metric metric, Params params, int threads) {
    int n = source.size();
    int dim = source.dimension();
    int nlist = Knobs.atLeast(params, "nlist", ListBuilder.defaultNlist(n), 1);
    int train = Knobs.atLeast(params, "train", 64 * nlist, 1);
    int iterations = Knobs.atLeast(params, "iterations", KMeans.DEFAULT_ITERATIONS, 1);
    if (n < nlist) {
      throw new IllegalArgumentException("nlist=" + nlist + " lists need at least " + nlist + " vectors, got " + n);
    }
    int sampleCount = Math.min(n, Math.max(nlist, train));
    boolean normalize = metric == Metric.COSINE;
    float[] sample = KMeans.sample(Rows.source(source, normalize), n, dim, sampleCount, ListBuilder.SEED);
    // Inner product and cosine probe lists by q.c: spherical centroids (see KMeans).
    float[] rows = KMeans.train(sample, sampleCount, dim, nlist, iterations, ListBuilder.SEED, threads,
        metric != Metric.L2).centroids();
    return new IvfQuantizer(rows, nlist, dim, metric, sample, sampleCount);
  }

  public int nlist() {
    return nlist;
  }

  Centroids centroids() {
    if (centroids == null) {
      centroids = new Centroids(centroidRows, nlist, dim);
    }
    return centroids;
  }

  /**
   * The list of each of the {@code n} vectors in {@code rows} (back to back, as given: cosine
   * vectors are normalised here, on a copy) into {@code labels}: what the single-machine build
   * assigns to the same vectors.
   */
  public void assign(float[] rows, int n, int[] labels, int threads) {
    float[] points = rows;
    if (normalize) {
      points = rows.clone();
      for (int i = 0; i < n; i++) {
        Rows.normalize(points, i * dim, dim);
      }
    }
    centroids().assign(points, n, l2, labels, new float[n], threads);
  }
}

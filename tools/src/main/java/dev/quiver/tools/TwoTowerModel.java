package dev.quiver.tools;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The latent model behind a generated data set, drawn once from the seed: an r-dimensional latent
 * space with cluster centres, spreads and popularities, the item tower's linear map into d
 * dimensions (orthonormal columns scaled by a decaying spectrum) and the user tower's perturbed
 * copy of it. Immutable after construction, so rows can be drawn from many threads at once.
 */
public final class TwoTowerModel {
  private final int dimension;
  private final int latent;
  private final DatasetSpec spec;
  /** d x r row-major: the item tower's map. */
  private final double[] itemMap;
  /** d x r row-major: the user tower's map, the item map plus a small random perturbation. */
  private final double[] userMap;
  /** clusters x r row-major. */
  private final double[] centres;
  private final double[] spreads;
  /** Cumulative popularity of the clusters, last entry 1. */
  private final double[] popularity;

  public TwoTowerModel(DatasetSpec spec) {
    this.spec = spec;
    this.dimension = spec.dimension();
    this.latent = spec.latentDimension();
    SplittableRandom rng = new SplittableRandom(Rows.mix(spec.seed(), 0, 0));
    itemMap = decayingMap(rng);
    userMap = perturbed(itemMap, rng);
    centres = gaussian(rng, spec.clusters() * latent);
    spreads = new double[spec.clusters()];
    double logMedian = Math.log(Math.max(spec.clusterSpread(), Double.MIN_NORMAL));
    for (int c = 0; c < spreads.length; c++) {
      spreads[c] = spec.clusterSpread() == 0 ? 0 : Math.exp(logMedian + spec.spreadVariation() * rng.nextGaussian());
    }
    popularity = zipfCdf(spec.clusters(), spec.zipfExponent());
  }

  /** Scratch for drawing rows on one thread. */
  final class Scratch {
    final double[] z = new double[latent];
    final double[] x = new double[dimension];
    final double[] weights = new double[spec.maxInterests()];
  }

  Scratch scratch() {
    return new Scratch();
  }

  /** An item: a point of a popularity-drawn cluster, mapped, normalised, plus small noise, normalised. */
  void item(SplittableRandom rng, Scratch s, float[] out) {
    clusterPoint(rng, cluster(rng), 1.0, s.z, false);
    map(itemMap, s.z, s.x);
    normalise(s.x);
    addNoise(rng, s.x, spec.itemNoise());
    store(s.x, out);
  }

  /**
   * A user: a weighted mix of 1..maxInterests popular clusters in latent space (which lands between
   * clusters, where items are sparse), through the user tower's map, plus a large isotropic part
   * that no item shares, normalised.
   */
  void user(SplittableRandom rng, Scratch s, float[] out) {
    Arrays.fill(s.z, 0);
    int interests = 1 + rng.nextInt(spec.maxInterests());
    double total = 0;
    double[] weights = s.weights;
    for (int i = 0; i < interests; i++) {
      weights[i] = -Math.log(1 - rng.nextDouble());
      total += weights[i];
    }
    for (int i = 0; i < interests; i++) {
      clusterPoint(rng, cluster(rng), weights[i] / total, s.z, true);
    }
    map(userMap, s.z, s.x);
    normalise(s.x);
    addNoise(rng, s.x, spec.userOffManifold());
    store(s.x, out);
  }

  /** A cluster drawn by popularity. */
  public int cluster(SplittableRandom rng) {
    int i = Arrays.binarySearch(popularity, rng.nextDouble());
    return Math.min(i >= 0 ? i : -i - 1, popularity.length - 1);
  }

  /** z (+)= weight * (centre + spread * N(0, I)). */
  private void clusterPoint(SplittableRandom rng, int c, double weight, double[] z, boolean add) {
    double spread = spreads[c];
    for (int j = 0; j < latent; j++) {
      double v = weight * (centres[c * latent + j] + spread * rng.nextGaussian());
      z[j] = add ? z[j] + v : v;
    }
  }

  private void map(double[] m, double[] z, double[] x) {
    for (int i = 0; i < dimension; i++) {
      double sum = 0;
      int row = i * latent;
      for (int j = 0; j < latent; j++) {
        sum += m[row + j] * z[j];
      }
      x[i] = sum;
    }
  }

  /** x += level * N(0, I/d): a vector of expected norm {@code level}. */
  private void addNoise(SplittableRandom rng, double[] x, double level) {
    double scale = level / Math.sqrt(dimension);
    for (int i = 0; i < dimension; i++) {
      x[i] += scale * rng.nextGaussian();
    }
    normalise(x);
  }

  private static void normalise(double[] x) {
    double sq = 0;
    for (double v : x) {
      sq += v * v;
    }
    if (sq > 0) {
      double inv = 1 / Math.sqrt(sq);
      for (int i = 0; i < x.length; i++) {
        x[i] *= inv;
      }
    }
  }

  private static void store(double[] x, float[] out) {
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
  }

  /** Orthonormal columns (Gram-Schmidt of a Gaussian matrix) scaled by 1/sqrt(j+1). */
  private double[] decayingMap(SplittableRandom rng) {
    double[] m = gaussian(rng, dimension * latent);
    for (int j = 0; j < latent; j++) {
      for (int p = 0; p < j; p++) {
        double dot = 0;
        for (int i = 0; i < dimension; i++) {
          dot += m[i * latent + j] * m[i * latent + p];
        }
        for (int i = 0; i < dimension; i++) {
          m[i * latent + j] -= dot * m[i * latent + p];
        }
      }
      double norm = 0;
      for (int i = 0; i < dimension; i++) {
        norm += m[i * latent + j] * m[i * latent + j];
      }
      double inv = 1 / Math.sqrt(norm);
      for (int i = 0; i < dimension; i++) {
        m[i * latent + j] *= inv;
      }
    }
    for (int j = 0; j < latent; j++) {
      double s = 1 / Math.sqrt(j + 1.0);
      for (int i = 0; i < dimension; i++) {
        m[i * latent + j] *= s;
      }
    }
    return m;
  }

  private double[] perturbed(double[] m, SplittableRandom rng) {
    double meanScale = 0;
    for (int j = 0; j < latent; j++) {
      meanScale += 1 / Math.sqrt(j + 1.0);
    }
    double scale = spec.mapPerturbation() * meanScale / latent / Math.sqrt(dimension);
    double[] p = m.clone();
    for (int i = 0; i < p.length; i++) {
      p[i] += scale * rng.nextGaussian();
    }
    return p;
  }

  private static double[] gaussian(SplittableRandom rng, int count) {
    double[] v = new double[count];
    for (int i = 0; i < count; i++) {
      v[i] = rng.nextGaussian();
    }
    return v;
  }

  private static double[] zipfCdf(int clusters, double exponent) {
    double[] cdf = new double[clusters];
    double sum = 0;
    for (int c = 0; c < clusters; c++) {
      sum += Math.pow(c + 1.0, -exponent);
      cdf[c] = sum;
    }
    for (int c = 0; c < clusters; c++) {
      cdf[c] /= sum;
    }
    cdf[clusters - 1] = 1;
    return cdf;
  }
}

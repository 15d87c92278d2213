package dev.quiver.serving.snapshot;

import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import java.util.SplittableRandom;

/**
 * Runs a few requests against a loaded snapshot before it serves, so that its pages are mapped,
 * its code compiled and its lazily built structures made, off the request path.
 */
@FunctionalInterface
public interface Warmup<M extends AutoCloseable> {

  void warm(Snapshot<M> snapshot) throws Exception;

  /** This warm-up, then {@code next}. */
  default Warmup<M> andThen(Warmup<M> next) {
    return s -> {
      warm(s);
      next.warm(s);
    };
  }

  /** Nothing. */
  static <M extends AutoCloseable> Warmup<M> none() {
    return s -> { };
  }

  /** {@code queries} searches with random Gaussian queries for the top {@code k}, with {@code params}. */
  static <M extends AutoCloseable> Warmup<M> searches(int queries, int k, Params params) {
    return s -> {
      SplittableRandom rnd = new SplittableRandom(queries);
      float[] q = new float[s.index().dimension()];
      SearchResults out = new SearchResults(k);
      for (int i = 0; i < queries; i++) {
        for (int j = 0; j < q.length; j++) {
          q[j] = (float) rnd.nextGaussian();
        }
        s.search(q, k, null, params, out);
      }
    };
  }
}

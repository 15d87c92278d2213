package dev.quiver.serving.recall;

import dev.quiver.tower.Feature;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.Tower;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Feature rows drawn from a tower's own feature definitions, for checking a snapshot when no
 * real users are at hand: ids at random (one to three for a multi-valued feature), numbers
 * spread across the feature's bucket boundaries, categories from its vocabulary (or unknown).
 * Stateless.
 */
public final class RandomUsers {
  private RandomUsers() {}

  /** {@code count} rows of {@code tower}, the same for the same {@code seed}. */
  public static List<FeatureRow> rows(Tower tower, int count, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<FeatureRow> rows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      FeatureRow row = tower.newRow();
      for (int f = 0; f < tower.features().size(); f++) {
        fill(row, f, tower.features().get(f), rnd);
      }
      rows.add(row);
    }
    return rows;
  }

  private static void fill(FeatureRow row, int f, Feature feature, SplittableRandom rnd) {
    switch (feature.type()) {
      case ID -> {
        int values = feature.multiValued() ? 1 + rnd.nextInt(3) : 1;
        for (int v = 0; v < values; v++) {
          row.addId(f, rnd.nextLong(1, 1L << 40));
        }
      }
      case NUMERIC -> row.setNumeric(f, number(feature.boundaries(), rnd));
      case CATEGORICAL -> {
        List<String> vocabulary = feature.vocabulary();
        row.setCategorical(f, vocabulary.isEmpty() ? "unknown" : vocabulary.get(rnd.nextInt(vocabulary.size())));
      }
    }
  }

  /** A value between the first and last boundary, widened by one bucket's span each side. */
  private static double number(double[] boundaries, SplittableRandom rnd) {
    if (boundaries.length == 0) {
      return rnd.nextGaussian();
    }
    double lo = boundaries[0];
    double hi = boundaries[boundaries.length - 1];
    double margin = Math.max(1, (hi - lo) / Math.max(1, boundaries.length));
    return rnd.nextDouble(lo - margin, hi + margin);
  }
}

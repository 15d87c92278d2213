package dev.quiver.tower;

import java.util.Arrays;
import java.util.List;

/**
 * The raw feature values of one request for one tower: ids (long or String, several for a
 * multi-valued feature), numbers and category strings. A value never set is missing, which the
 * model handles as its config says.
 *
 * <p>Reusable: {@link #clear()} and set again. Setting by feature index (see
 * {@link Tower#featureIndex(String)}) allocates nothing once the row has held that many values;
 * setting by name adds one map lookup. Not thread-safe: one thread fills a row, then any thread
 * may embed it.
 */
public final class FeatureRow {
  private final Tower tower;
  private final int[] counts;
  // Value 0 of every feature sits in flat arrays, one slot per feature, so that reading a row's
  // values is one load per value rather than a chain through a per-feature array.
  private final long[] longs;
  /** Id value 0 when it is a String (else null), or the category. */
  private final String[] strings;
  private final double[] numbers;
  /** Values 1.. of multi-valued ids, at k - 1; allocated when a feature first holds two. */
  private final long[][] moreLongs;
  private final String[][] moreStrings;

  FeatureRow(Tower tower) {
    this.tower = tower;
    int n = tower.features().size();
    counts = new int[n];
    longs = new long[n];
    strings = new String[n];
    numbers = new double[n];
    moreLongs = new long[n][];
    moreStrings = new String[n][];
  }

  /** The tower this row is for. */
  public Tower tower() {
    return tower;
  }

  /** Makes every feature missing. */
  public FeatureRow clear() {
    Arrays.fill(counts, 0);
    Arrays.fill(strings, null);
    for (String[] s : moreStrings) {
      if (s != null) {
        Arrays.fill(s, null);
      }
    }
    return this;
  }

  /** Makes feature {@code f} missing. */
  public FeatureRow setMissing(int f) {
    counts[f] = 0;
    strings[f] = null;
    return this;
  }

  /** Sets id feature {@code f} to the single value {@code id}. */
  public FeatureRow setId(int f, long id) {
    check(f, FeatureType.ID);
    counts[f] = 0;
    return addId(f, id);
  }

  /** Sets id feature {@code f} to the single value {@code id}; null makes it missing. */
  public FeatureRow setId(int f, String id) {
    check(f, FeatureType.ID);
    counts[f] = 0;
    return id == null ? this : addId(f, id);
  }

  /** Appends {@code id} to the values of id feature {@code f} (beyond one only if multi-valued). */
  public FeatureRow addId(int f, long id) {
    int k = slot(f);
    if (k == 0) {
      longs[f] = id;
    } else {
      moreLongs[f][k - 1] = id;
    }
    return this;
  }

  /** Appends {@code id} to the values of id feature {@code f}; null is ignored. */
  public FeatureRow addId(int f, String id) {
    if (id != null) {
      int k = slot(f);
      if (k == 0) {
        strings[f] = id;
      } else {
        moreStrings[f][k - 1] = id;
      }
    }
    return this;
  }

  /** Sets numeric feature {@code f}; NaN makes it missing. */
  public FeatureRow setNumeric(int f, double value) {
    check(f, FeatureType.NUMERIC);
    numbers[f] = value;
    counts[f] = Double.isNaN(value) ? 0 : 1;
    return this;
  }

  /** Sets categorical feature {@code f}; null makes it missing. */
  public FeatureRow setCategorical(int f, String value) {
    check(f, FeatureType.CATEGORICAL);
    strings[f] = value;
    counts[f] = value == null ? 0 : 1;
    return this;
  }

  public FeatureRow setId(String feature, long id) {
    return setId(tower.featureIndex(feature), id);
  }

  public FeatureRow setId(String feature, String id) {
    return setId(tower.featureIndex(feature), id);
  }

  public FeatureRow addId(String feature, long id) {
    return addId(tower.featureIndex(feature), id);
  }

  public FeatureRow addId(String feature, String id) {
    return addId(tower.featureIndex(feature), id);
  }

  public FeatureRow setNumeric(String feature, double value) {
    return setNumeric(tower.featureIndex(feature), value);
  }

  public FeatureRow setCategorical(String feature, String value) {
    return setCategorical(tower.featureIndex(feature), value);
  }

  /**
   * Copies this row's values into {@code target}, a row of another tower (typically the same
   * tower of a newer model), feature by feature name. A feature the target's tower lacks, or has
   * with another type, stays missing there, which the model handles as its config says; so does
   * the tail of a multi-valued feature that became single-valued. {@code target} is cleared first.
   */
  public FeatureRow copyTo(FeatureRow target) {
    target.clear();
    List<Feature> from = tower.features();
    for (int f = 0; f < from.size(); f++) {
      int g = target.tower.findFeature(from.get(f).name());
      if (g >= 0 && counts[f] > 0 && target.tower.features().get(g).type() == from.get(f).type()) {
        copyFeature(f, target, g);
      }
    }
    return target;
  }

  private void copyFeature(int f, FeatureRow target, int g) {
    switch (tower.features().get(f).type()) {
      case NUMERIC -> target.setNumeric(g, numbers[f]);
      case CATEGORICAL -> target.setCategorical(g, strings[f]);
      case ID -> {
        int n = target.tower.features().get(g).multiValued() ? counts[f] : 1;
        for (int k = 0; k < n; k++) {
          if (isString(f, k)) {
            target.addId(g, stringAt(f, k));
          } else {
            target.addId(g, longAt(f, k));
          }
        }
      }
    }
  }

  /** Number of values of feature {@code f}: 0 when missing. */
  public int valueCount(int f) {
    return counts[f];
  }

  /** Whether id value {@code k} of feature {@code f} is a String (else a long). */
  public boolean isString(int f, int k) {
    return stringAt(f, k) != null;
  }

  public long longAt(int f, int k) {
    return k == 0 ? longs[f] : moreLongs[f][k - 1];
  }

  /** Id value {@code k} of feature {@code f} when it is a String, else null. */
  public String stringAt(int f, int k) {
    return k == 0 ? strings[f] : moreStrings[f][k - 1];
  }

  /** The value of numeric feature {@code f}, meaningful when {@link #valueCount} is 1. */
  public double number(int f) {
    return numbers[f];
  }

  /** The value of categorical feature {@code f}, or null when missing. */
  public String category(int f) {
    return counts[f] == 0 ? null : strings[f];
  }

  private int slot(int f) {
    check(f, FeatureType.ID);
    int k = counts[f];
    if (k > 0 && !tower.features().get(f).multiValued()) {
      throw new IllegalArgumentException("Feature '" + tower.features().get(f).name()
          + "' is single-valued; it cannot take a second id");
    }
    if (k == 0) {
      strings[f] = null;
    } else {
      if (moreLongs[f] == null) {
        moreLongs[f] = new long[1];
        moreStrings[f] = new String[1];
      } else if (k > moreLongs[f].length) {
        moreLongs[f] = Arrays.copyOf(moreLongs[f], 2 * moreLongs[f].length);
        moreStrings[f] = Arrays.copyOf(moreStrings[f], 2 * moreStrings[f].length);
      }
      moreStrings[f][k - 1] = null;
    }
    counts[f] = k + 1;
    return k;
  }

  private void check(int f, FeatureType type) {
    FeatureType actual = tower.features().get(f).type();
    if (actual != type) {
      throw new IllegalArgumentException("Feature '" + tower.features().get(f).name() + "' is "
          + actual.name().toLowerCase(java.util.Locale.ROOT) + ", not "
          + type.name().toLowerCase(java.util.Locale.ROOT));
    }
  }
}

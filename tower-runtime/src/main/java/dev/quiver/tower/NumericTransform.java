package dev.quiver.tower;

import dev.quiver.tower.ModelConfig.TransformConfig;
import java.util.List;

/**
 * The steps a numeric value goes through before it is bucketed or passed on raw: {@code log1p},
 * {@code clip} to [min, max], {@code standardize} ({@code (v - mean) / std}). Computed in float32,
 * as the PyTorch ops on a float tensor compute them, so that a value lands in the same bucket.
 */
final class NumericTransform {
  private final Step[] steps;

  private NumericTransform(Step[] steps) {
    this.steps = steps;
  }

  /** The transform of a config's steps, or null for none. */
  static NumericTransform of(List<TransformConfig> configs) {
    if (configs == null || configs.isEmpty()) {
      return null;
    }
    Step[] steps = new Step[configs.size()];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = step(configs.get(i), i);
    }
    return new NumericTransform(steps);
  }

  private static Step step(TransformConfig c, int i) {
    String op = c.op() == null ? "" : c.op();
    return switch (op) {
      case "log1p" -> v -> (float) Math.log1p(v);
      case "clip" -> {
        if (c.min() == null || c.max() == null || !(c.min() <= c.max())) {
          throw new IllegalArgumentException("transform[" + i + "] clip needs min <= max, not "
              + c.min() + ", " + c.max());
        }
        float lo = c.min().floatValue(), hi = c.max().floatValue();
        yield v -> Math.min(Math.max(v, lo), hi);
      }
      case "standardize" -> {
        if (c.mean() == null || c.std() == null || !(c.std() > 0)) {
          throw new IllegalArgumentException("transform[" + i + "] standardize needs mean and std > 0, not "
              + c.mean() + ", " + c.std());
        }
        float mean = c.mean().floatValue(), std = c.std().floatValue();
        yield v -> (v - mean) / std;
      }
      default -> throw new IllegalArgumentException("transform[" + i + "] op '" + op
          + "'; expected log1p, clip or standardize");
    };
  }

  /** {@code v} as a float, through every step in order. */
  double apply(double v) {
    float x = (float) v;
    for (Step s : steps) {
      x = s.apply(x);
    }
    return x;
  }

  @FunctionalInterface
  private interface Step {
    float apply(float v);
  }
}

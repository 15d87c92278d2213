package dev.quiver.tower;

import java.util.List;

/**
 * One output of a tower (e.g. click, like, follow): layers after the shared ones, then optional
 * L2 normalisation (as {@code torch.nn.functional.normalize}, eps 1e-12), then division by the
 * temperature. Immutable and thread-safe.
 */
public record Head(String name, List<DenseLayer> layers, boolean l2Normalize, float temperature) {
  public Head {
    layers = List.copyOf(layers);
  }

  /** Scales {@code v[from, from + dim)} as this head's output: normalise, then divide by the temperature. */
  public void finish(float[] v, int from, int dim) {
    float scale = 1f;
    if (l2Normalize) {
      float s = 0f;
      for (int i = from; i < from + dim; i++) {
        s += v[i] * v[i];
      }
      scale = 1f / Math.max((float) Math.sqrt(s), 1e-12f);
    }
    for (int i = from; i < from + dim; i++) {
      v[i] = v[i] * scale / temperature;
    }
  }
}

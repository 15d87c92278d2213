package dev.quiver.gpu;

import java.util.List;

/**
 * A stack of dense layers, optionally followed by row-wise L2 normalisation and division by a
 * temperature (the output of a two-tower model's tower: {@code y / (max(|y|, 1e-12) * t)}).
 *
 * @param layers at least one, each layer's {@code in} equal to the previous layer's {@code out}
 * @param l2Normalize whether the output rows are normalised
 * @param temperature positive; divides the normalised rows; must be 1 when not normalising
 */
public record DenseNetwork(List<DenseLayer> layers, boolean l2Normalize, float temperature) {
  /** @throws IllegalArgumentException naming the mismatched widths or the bad temperature */
  public DenseNetwork {
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a network needs at least one layer");
    }
    for (int i = 1; i < layers.size(); i++) {
      if (layers.get(i).in() != layers.get(i - 1).out()) {
        throw new IllegalArgumentException("layer " + i + " takes " + layers.get(i).in()
            + " inputs but layer " + (i - 1) + " gives " + layers.get(i - 1).out());
      }
    }
    if (!(temperature > 0) || !Float.isFinite(temperature)) {
      throw new IllegalArgumentException("temperature must be positive and finite: " + temperature);
    }
    if (!l2Normalize && temperature != 1f) {
      throw new IllegalArgumentException("temperature " + temperature + " needs l2Normalize");
    }
  }

  /** Width of an input row. */
  public int inputDim() {
    return layers.getFirst().in();
  }

  /** Width of an output row. */
  public int outputDim() {
    return layers.getLast().out();
  }

  /** The widest layer output, the size of the intermediate buffers. */
  int maxWidth() {
    int w = inputDim();
    for (DenseLayer l : layers) {
      w = Math.max(w, l.out());
    }
    return w;
  }
}

package dev.quiver.gpu;

import dev.quiver.tower.Activation;
import dev.quiver.tower.DenseLayer;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The host-side weights of one dense layer, {@code y = activation(W x + b)}, as plain arrays ready
 * to upload: what {@link GpuMlp} copies to the device. A tower's {@link DenseLayer} converts with
 * {@link #of(DenseLayer)}.
 *
 * <p>{@code weights} is {@code [out x in]} row-major, the layout of a PyTorch {@code nn.Linear}'s
 * weight; {@code bias} has {@code out} entries or is null. The arrays are not copied: the caller
 * must not change them while a network is built from them.
 *
 * @param in input width
 * @param out output width
 * @param weights {@code out * in} finite values
 * @param bias {@code out} finite values, or null for no bias
 * @param activation applied after the bias
 * @param negativeSlope {@link Activation#LEAKY_RELU}'s slope for negative inputs; ignored otherwise
 */
public record LayerWeights(int in, int out, float[] weights, float[] bias, Activation activation,
                           float negativeSlope) {
  /** @throws IllegalArgumentException naming the bad width, length or value */
  public LayerWeights {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("layer widths must be positive: in=" + in + ", out=" + out);
    }
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(activation, "activation");
    if (weights.length != (long) in * out) {
      throw new IllegalArgumentException("weights has " + weights.length + " values, expected out x in = "
          + out + " x " + in);
    }
    if (bias != null && bias.length != out) {
      throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + out);
    }
    requireFinite(weights, "weights");
    if (bias != null) {
      requireFinite(bias, "bias");
    }
  }

  /** A layer without a negative slope (any activation but leaky ReLU). */
  public LayerWeights(int in, int out, float[] weights, float[] bias, Activation activation) {
    this(in, out, weights, bias, activation, 0f);
  }

  /** A copy of a tower layer's (batch-norm folded) weights, bias and activation. */
  public static LayerWeights of(DenseLayer layer) {
    return new LayerWeights(layer.in(), layer.out(), layer.weights().toArray(ValueLayout.JAVA_FLOAT),
        layer.bias().toArray(ValueLayout.JAVA_FLOAT), layer.activation(), layer.negativeSlope());
  }

  private static void requireFinite(float[] values, String name) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(name + "[" + i + "] is not finite: " + values[i]);
      }
    }
  }
}

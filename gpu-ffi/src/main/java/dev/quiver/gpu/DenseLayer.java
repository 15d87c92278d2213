package dev.quiver.gpu;

import java.util.Objects;

/**
 * One fully connected layer, {@code y = activation(W x + b)}, as plain arrays.
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
 */
public record DenseLayer(int in, int out, float[] weights, float[] bias, Activation activation) {
  /** @throws IllegalArgumentException naming the bad width, length or value */
  public DenseLayer {
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

  private static void requireFinite(float[] values, String name) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(name + "[" + i + "] is not finite: " + values[i]);
      }
    }
  }
}

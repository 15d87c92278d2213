package dev.quiver.tower;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A dense layer {@code y = activation(W x + b)}, with any batch-norm already folded into W and b.
 * Immutable and thread-safe.
 *
 * <p>The weights are kept twice: as given ({@link #weights()}, [out, in] row-major, off-heap,
 * read-only, for other backends to upload) and packed into panels of
 * {@link VectorKernels#PANEL_ROWS} output units for the register-tiled kernel, which computes
 * one request (a matrix-vector product) or a batch (a matrix-matrix product) alike.
 */
public final class DenseLayer {
  private static final int PANEL = VectorKernels.PANEL_ROWS;

  private final int in;
  private final int out;
  private final MemorySegment weights;
  private final MemorySegment biasSegment;
  private final float[] bias;
  private final Activation activation;
  private final float slope;
  private final float[][] panels;

  DenseLayer(int in, int out, MemorySegment weights, MemorySegment bias, Activation activation,
             float slope) {
    this.in = in;
    this.out = out;
    this.weights = weights.asReadOnly();
    this.biasSegment = bias.asReadOnly();
    this.bias = bias.toArray(ValueLayout.JAVA_FLOAT);
    this.activation = activation;
    this.slope = slope;
    this.panels = new float[(out + PANEL - 1) / PANEL][];
    for (int p = 0; p < panels.length; p++) {
      panels[p] = new float[in * PANEL];
      VectorKernels.packPanel(weights, (long) p * PANEL * in * Float.BYTES,
          Math.min(PANEL, out - p * PANEL), in, panels[p]);
    }
  }

  public int in() {
    return in;
  }

  public int out() {
    return out;
  }

  /** W, [out, in] float32 row-major, batch-norm folded in; read-only. */
  public MemorySegment weights() {
    return weights;
  }

  /** b, [out] float32, batch-norm folded in; read-only. */
  public MemorySegment bias() {
    return biasSegment;
  }

  public Activation activation() {
    return activation;
  }

  /** The negative slope of {@link Activation#LEAKY_RELU}. */
  public float negativeSlope() {
    return slope;
  }

  /**
   * Computes {@code rows} rows: {@code y[r * out ..]} from {@code x[r * in ..]}, panel by panel,
   * last panel first when {@code backward}. Bias and ReLU are applied by the kernel; other
   * activations after it, while the panel's outputs are still in cache.
   */
  void forward(float[] x, int rows, float[] y, boolean backward) {
    boolean relu = activation == Activation.RELU;
    boolean rest = !relu && activation != Activation.NONE;
    for (int i = 0; i < panels.length; i++) {
      int p = backward ? panels.length - 1 - i : i;
      int c0 = p * PANEL, n = Math.min(PANEL, out - c0);
      VectorKernels.densePanel(x, 0, rows, in, panels[p], bias, c0, n, relu, y, c0, out);
      if (rest) {
        for (int r = 0; r < rows; r++) {
          activation.apply(y, r * out + c0, r * out + c0 + n, slope);
        }
      }
    }
  }
}

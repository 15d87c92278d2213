package dev.quiver.tower;

import dev.quiver.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A dense layer {@code y = activation(norm(W x + b))}, with any batch-norm already folded into W
 * and b, and an optional layer norm. Immutable and thread-safe.
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
  private final float[] slopes;
  private final LayerNorm norm;
  private final float[][] panels;

  /**
   * {@code slope} is leaky_relu's negative slope or elu's alpha; {@code slopes} prelu's weight
   * (one per output, or one for all; else null); {@code norm} the layer norm, or null.
   */
  DenseLayer(int in, int out, MemorySegment weights, MemorySegment bias, Activation activation,
             float slope, float[] slopes, LayerNorm norm) {
    this.in = in;
    this.out = out;
    this.weights = weights.asReadOnly();
    this.biasSegment = bias.asReadOnly();
    this.bias = bias.toArray(ValueLayout.JAVA_FLOAT);
    this.activation = activation;
    this.slope = slopes != null && slopes.length == 1 ? slopes[0] : slope;
    this.slopes = slopes != null && slopes.length > 1 ? slopes : null;
    this.norm = norm;
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

  /** The negative slope of {@link Activation#LEAKY_RELU} (or a single-slope PReLU), ELU's alpha. */
  public float negativeSlope() {
    return slope;
  }

  /**
   * Whether the layer is only {@code activation(W x + b)} with one scalar parameter: no layer
   * norm and no per-channel PReLU slopes (what a backend with fused kernels can run).
   */
  public boolean plain() {
    return norm == null && slopes == null;
  }

  /** Whether a layer norm follows the linear layer. */
  public boolean layerNormed() {
    return norm != null;
  }

  /**
   * Computes {@code rows} rows: {@code y[r * out ..]} from {@code x[r * in ..]}, panel by panel,
   * last panel first when {@code backward}. Bias and ReLU are applied by the kernel; other
   * activations after it, while the panel's outputs are still in cache. A layer norm needs the
   * whole row, so then the activation follows it, row by row.
   */
  void forward(float[] x, int rows, float[] y, boolean backward) {
    boolean relu = activation == Activation.RELU && norm == null;
    boolean rest = !relu && activation != Activation.NONE && norm == null;
    for (int i = 0; i < panels.length; i++) {
      int p = backward ? panels.length - 1 - i : i;
      int c0 = p * PANEL, n = Math.min(PANEL, out - c0);
      VectorKernels.densePanel(x, 0, rows, in, panels[p], bias, c0, n, relu, y, c0, out);
      if (rest) {
        for (int r = 0; r < rows; r++) {
          activate(y, r * out, c0, n);
        }
      }
    }
    if (norm != null) {
      for (int r = 0; r < rows; r++) {
        norm.apply(y, r * out);
        activate(y, r * out, 0, out);
      }
    }
  }

  /** Applies the activation to columns [c0, c0 + n) of the row at {@code y[row]}. */
  private void activate(float[] y, int row, int c0, int n) {
    if (slopes == null) {
      activation.apply(y, row + c0, row + c0 + n, slope);
      return;
    }
    for (int c = c0; c < c0 + n; c++) {
      float v = y[row + c];
      y[row + c] = v >= 0f ? v : v * slopes[c];
    }
  }
}

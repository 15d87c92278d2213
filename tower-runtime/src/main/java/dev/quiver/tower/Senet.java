package dev.quiver.tower;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Squeeze-and-excitation over a tower's feature embeddings (FiBiNET's SENet layer): each
 * field's embedding is squeezed to its mean, the means go through two small dense layers, and
 * each embedding is scaled by its field's output. Immutable and thread-safe; weights are exposed
 * read-only, [out, in] row-major.
 */
public final class Senet {
  private final int fields;
  private final int hidden;
  private final MemorySegment w1Segment, b1Segment, w2Segment, b2Segment;
  private final float[] w1, b1, w2, b2;
  private final Activation activation;
  private final Activation gate;

  Senet(int fields, int hidden, MemorySegment w1, MemorySegment b1, MemorySegment w2,
        MemorySegment b2, Activation activation, Activation gate) {
    this.fields = fields;
    this.hidden = hidden;
    this.w1Segment = w1.asReadOnly();
    this.b1Segment = b1.asReadOnly();
    this.w2Segment = w2.asReadOnly();
    this.b2Segment = b2.asReadOnly();
    this.w1 = w1.toArray(ValueLayout.JAVA_FLOAT);
    this.b1 = b1.toArray(ValueLayout.JAVA_FLOAT);
    this.w2 = w2.toArray(ValueLayout.JAVA_FLOAT);
    this.b2 = b2.toArray(ValueLayout.JAVA_FLOAT);
    this.activation = activation;
    this.gate = gate;
  }

  public int fields() {
    return fields;
  }

  public int hidden() {
    return hidden;
  }

  /** [hidden, fields]. */
  public MemorySegment fc1Weights() {
    return w1Segment;
  }

  /** [hidden]; zeros when the config has no biases. */
  public MemorySegment fc1Bias() {
    return b1Segment;
  }

  /** [fields, hidden]. */
  public MemorySegment fc2Weights() {
    return w2Segment;
  }

  /** [fields]; zeros when the config has no biases. */
  public MemorySegment fc2Bias() {
    return b2Segment;
  }

  public Activation activation() {
    return activation;
  }

  public Activation gate() {
    return gate;
  }

  /**
   * Reweights the fields of the input at {@code x[base..]}: field f spans {@code dims[f]} floats
   * from {@code base + offsets[f]}. {@code z} and {@code h} are scratch of {@code fields} and
   * {@code hidden} floats.
   */
  void apply(float[] x, int base, int[] offsets, int[] dims, float[] z, float[] h) {
    for (int f = 0; f < fields; f++) {
      float s = 0f;
      for (int j = 0, o = base + offsets[f]; j < dims[f]; j++) {
        s += x[o + j];
      }
      z[f] = s / dims[f];
    }
    dense(w1, b1, z, fields, h, hidden);
    activation.apply(h, 0, hidden, 0.01f);
    dense(w2, b2, h, hidden, z, fields);
    gate.apply(z, 0, fields, 0.01f);
    for (int f = 0; f < fields; f++) {
      for (int j = 0, o = base + offsets[f]; j < dims[f]; j++) {
        x[o + j] *= z[f];
      }
    }
  }

  private static void dense(float[] w, float[] b, float[] in, int n, float[] out, int m) {
    for (int i = 0; i < m; i++) {
      float s = b[i];
      for (int j = 0; j < n; j++) {
        s += w[i * n + j] * in[j];
      }
      out[i] = s;
    }
  }
}

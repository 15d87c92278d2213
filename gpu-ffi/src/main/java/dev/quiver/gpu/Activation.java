package dev.quiver.gpu;

/**
 * The activation fused after a dense layer's bias. The codes are the kernel library's
 * ({@code QvActivation} in quiver_gpu.cu). GELU is the exact (erf) form, PyTorch's default.
 */
public enum Activation {
  IDENTITY(0),
  RELU(1),
  GELU(2),
  SIGMOID(3),
  TANH(4);

  private final int code;

  Activation(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }
}

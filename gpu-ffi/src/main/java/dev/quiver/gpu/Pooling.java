package dev.quiver.gpu;

/**
 * How a multi-valued feature's embeddings are combined. Codes are the kernel library's; the mean
 * of an empty bag is the zero vector, like PyTorch's {@code EmbeddingBag}.
 */
public enum Pooling {
  SUM(0),
  MEAN(1);

  private final int code;

  Pooling(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }
}

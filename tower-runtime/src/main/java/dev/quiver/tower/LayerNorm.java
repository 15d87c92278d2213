package dev.quiver.tower;

/**
 * {@code nn.LayerNorm(units)} in eval: each row is centred, divided by its (biased) standard
 * deviation plus eps, then scaled by {@code weight} and shifted by {@code bias}.
 */
record LayerNorm(float[] weight, float[] bias, double eps) {
  /** Normalises {@code y[from, from + weight.length)} in place. */
  void apply(float[] y, int from) {
    int n = weight.length;
    double sum = 0;
    for (int i = from; i < from + n; i++) {
      sum += y[i];
    }
    double mean = sum / n, var = 0;
    for (int i = from; i < from + n; i++) {
      double d = y[i] - mean;
      var += d * d;
    }
    double inv = 1 / Math.sqrt(var / n + eps);
    for (int i = 0; i < n; i++) {
      y[from + i] = (float) ((y[from + i] - mean) * inv * weight[i] + bias[i]);
    }
  }
}

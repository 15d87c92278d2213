/**
 * Inverted-file indexes over a k-means coarse quantizer, lists stored contiguously by list:
 * {@code ivf-flat} (float32 rows), {@code ivf-sq8} (int8 codes) and {@code ivf-pq} (product
 * quantized residuals). See {@link dev.quiver.ivf.IvfIndex}.
 */
package dev.quiver.ivf;

/**
 * Quantizers and the quantized flat kinds: batched k-means ({@link dev.quiver.pq.KMeans} over
 * {@link dev.quiver.pq.Centroids} panels), the product quantizer with per-query lookup tables
 * ({@link dev.quiver.pq.ProductQuantizer}), SQ8 on the int8 kernel
 * ({@link dev.quiver.pq.ScalarQuantizer}), and the kinds {@code pq} and {@code sq8}. Also the base
 * class the quantized and inverted-file kinds share ({@link dev.quiver.pq.ApproximateIndex}).
 */
package dev.quiver.pq;

/**
 * Inverted-file indexes (IVF-Flat, IVF-PQ, IVF-SQ8) over a k-means coarse quantizer.
 *
 * <p>This module is a placeholder in the build: it holds no implementation yet, and nothing in
 * Quiver registers or claims an index or runtime from it.
 */
package dev.quiver.ivf;

/**
 * Tower inference through a CUDA kernel library bound with the FFM API, with CPU fallback.
 *
 * <p>This module is a placeholder in the build: it holds no implementation yet, and nothing in
 * Quiver registers or claims an index or runtime from it.
 */
package dev.quiver.gpu;

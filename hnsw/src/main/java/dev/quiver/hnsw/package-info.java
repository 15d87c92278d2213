/**
 * Hierarchical navigable small-world graphs, built concurrently, searched with per-call efSearch.
 *
 * <p>{@link dev.quiver.hnsw.HnswIndex} is the index; {@link dev.quiver.hnsw.HnswIndexFormat} registers
 * it as kind {@code hnsw}.
 */
package dev.quiver.hnsw;

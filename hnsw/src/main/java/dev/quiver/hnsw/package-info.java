/**
 * Hierarchical navigable small-world graphs, built concurrently, searched with per-call efSearch.
 *
 * <p>This module is a placeholder in the build: it holds no implementation yet, and nothing in
 * Quiver registers or claims an index or runtime from it.
 */
package dev.quiver.hnsw;

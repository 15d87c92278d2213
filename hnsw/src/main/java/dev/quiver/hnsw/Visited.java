package dev.quiver.hnsw;

import java.util.Arrays;

/**
 * The nodes a graph walk has already scored, as one generation mark per node: starting a walk
 * bumps the generation instead of clearing, so a query costs nothing for nodes it never touches.
 * Marks are 16-bit to halve the cache footprint against an int array; the array is cleared once
 * every 65,535 walks. Not thread-safe: one per thread.
 */
final class Visited {
  private short[] marks = new short[0];
  private short generation;

  /** Starts a walk over nodes {@code [0, capacity)}. */
  void reset(int capacity) {
    if (marks.length < capacity) {
      marks = new short[Math.max(capacity, marks.length + (marks.length >> 1))];
      generation = 0;
    }
    generation++;
    if (generation == 0) {
      Arrays.fill(marks, (short) 0);
      generation = 1;
    }
  }

  /** Marks {@code node}; returns true when it was not yet marked in this walk. */
  boolean add(int node) {
    if (marks[node] == generation) {
      return false;
    }
    marks[node] = generation;
    return true;
  }
}

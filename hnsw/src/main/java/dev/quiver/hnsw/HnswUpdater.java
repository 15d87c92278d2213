package dev.quiver.hnsw;

import dev.quiver.engine.Checks;
import dev.quiver.engine.Metric;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.agrona.collections.Long2LongHashMap;

/**
 * The one writer of an {@link HnswIndex}'s graph after its build: adds (written, published, then
 * linked while searches run) and deletes (tombstones), and the id-to-node map they need.
 *
 * <p>An add takes the next node under the append lock, writes its row, grows the memory when
 * full (into a larger copy: searches in flight finish on the old one, which the garbage collector
 * frees once unused), publishes the grown graph and then the new size, and links the node under
 * the read side of the growth lock, so that adds link concurrently and a growth waits for them.
 * Searches never take a lock. Thread-safe.
 */
final class HnswUpdater {
  private final HnswIndex index;
  private final ThreadLocal<Linker.Scratch> linkScratch;
  /** Adds hold the read side while linking; growing the memory holds the write side. */
  private final ReentrantReadWriteLock growth = new ReentrantReadWriteLock();
  /** Serialises taking ordinals, writing new rows and growing. */
  private final ReentrantLock append = new ReentrantLock();
  /** Id to node, built on first use (pure search never needs it); guarded by {@link #append}. */
  private Long2LongHashMap nodesById;

  HnswUpdater(HnswIndex index, int dim) {
    this.index = index;
    this.linkScratch = ThreadLocal.withInitial(() -> new Linker.Scratch(dim, index.config));
  }

  /** Adds an item (with {@code id} when the index has ids) and links it; returns its node. */
  int add(long id, float[] vector) {
    Checks.vector(vector, index.dimension(), "vector");
    boolean hasIds = index.hasIds();
    int node;
    append.lock();
    try {
      if (hasIds && ordinalMap().get(id) != -1) {
        throw new IllegalArgumentException("an item with id " + id + " is already in the index");
      }
      node = index.size();
      int level = HnswBuilder.levelOf(index.config, node);
      int upperUsed = index.upperUsed();
      Graph g = ensureRoom(node + 1, upperUsed + level);
      writeRow(g, node, level, upperUsed, vector);
      if (hasIds) {
        g.ids.setAtIndex(Graph.LONG, node, id);
        nodesById.put(id, node);
      }
      index.upperUsed(upperUsed + level);
      index.publishSize(node + 1);
    } finally {
      append.unlock();
    }
    growth.readLock().lock();
    try {
      index.linker.insert(index.graph(), linkScratch.get(), node);
    } finally {
      growth.readLock().unlock();
    }
    return node;
  }

  private void writeRow(Graph g, int node, int level, int upperUsed, float[] vector) {
    float[] row = vector.clone();
    if (index.metric() == Metric.COSINE) {
      VectorKernels.normalize(row);
    }
    MemorySegment.copy(row, 0, g.vectors, Graph.FLOAT, g.vectorOffset(node), row.length);
    if (g.extras != null) {
      g.extras.setAtIndex(Graph.FLOAT, node, HnswBuilder.extraCoordinate(index.maxNorm, row));
    }
    if (g.codes != null) {
      g.codes.encode(node, row, new byte[row.length]);
    }
    g.levels.set(ValueLayout.JAVA_BYTE, node, (byte) level);
    g.appendIdentity(node);
    if (level > 0) {
      g.upperIndex.setAtIndex(Graph.INT, node, upperUsed);
    }
  }

  /** The current graph, grown first when it cannot hold {@code nodes} nodes and {@code blocks} blocks. */
  private Graph ensureRoom(int nodes, int blocks) {
    Graph g = index.graph();
    if (nodes <= g.capacity && blocks <= g.upperCapacity && !g.level0.isReadOnly()) {
      return g;
    }
    growth.writeLock().lock();
    try {
      int capacity = Math.max(nodes, g.capacity + (g.capacity >> 1) + 16);
      int upper = Math.max(blocks, g.upperCapacity + (g.upperCapacity >> 1) + 16);
      Graph grown = g.grow(Arena.ofAuto(), capacity, upper, index.size(), index.upperUsed(), index.hasIds());
      index.publishGraph(grown);
      return grown;
    } finally {
      growth.writeLock().unlock();
    }
  }

  /** Marks the item with external id {@code id} deleted; false when no live item has it. */
  boolean delete(long id) {
    int node = nodeOf(id);
    return node >= 0 && index.deleted.add(node);
  }

  /** The node of the item with external id {@code id}, or -1. */
  int nodeOf(long id) {
    if (!index.hasIds()) {
      // Size before graph, as a search reads them: the graph read holds every node below size.
      int n = index.size();
      return id >= 0 && id < n ? index.graph().node((int) id) : -1;
    }
    append.lock();
    try {
      return (int) ordinalMap().get(id);
    } finally {
      append.unlock();
    }
  }

  /** Checks that the ids given to a build are distinct (building the id map on the way). */
  void checkIds() {
    append.lock();
    try {
      ordinalMap();
    } finally {
      append.unlock();
    }
  }

  /** Writes the index to a file with adds and growth held off, so that the file is one state. */
  void writeFrozen(FileWrite write) throws IOException {
    append.lock();
    growth.writeLock().lock();
    try {
      write.run();
    } finally {
      growth.writeLock().unlock();
      append.unlock();
    }
  }

  /** A file write that may fail. */
  interface FileWrite {
    void run() throws IOException;
  }

  private Long2LongHashMap ordinalMap() {
    if (nodesById == null) {
      Graph g = index.graph();
      int n = index.size();
      Long2LongHashMap map = new Long2LongHashMap(Math.max(8, n * 2), 0.65f, -1);
      for (int i = 0; i < n; i++) {
        long previous = map.put(g.id(i), i);
        if (previous != -1) {
          throw new IllegalArgumentException("duplicate item id " + g.id(i) + " at ordinals " + previous + " and " + i);
        }
      }
      nodesById = map;
    }
    return nodesById;
  }
}

package dev.quiver.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Page-locked host memory from {@code cudaMallocHost}: the staging area of asynchronous copies
 * (pageable memory makes {@code cudaMemcpyAsync} synchronous and bounces through a driver buffer).
 *
 * <p>{@link #segment()} is valid until {@link #close()}, which makes it inaccessible (through its
 * own shared arena) before freeing the memory, so a stale access throws instead of reading freed
 * memory. Not thread-safe for closing; reads and writes follow the usual segment rules.
 */
@SuppressWarnings("restricted") // binds native code; runs with --enable-native-access
public final class PinnedBuffer implements AutoCloseable {
  private final CudaBinding cuda;
  private final MemorySegment raw;
  private final Arena arena;
  private final MemorySegment segment;
  private boolean closed;

  private PinnedBuffer(CudaBinding cuda, MemorySegment raw, long bytes) {
    this.cuda = cuda;
    this.raw = raw;
    this.arena = Arena.ofShared();
    this.segment = raw.reinterpret(bytes, arena, null);
  }

  /**
   * Allocates {@code bytes} of pinned host memory.
   *
   * @throws IllegalArgumentException if {@code bytes} is negative
   * @throws IllegalStateException if {@code cuda} is unavailable
   */
  public static PinnedBuffer allocate(Cuda cuda, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
    }
    CudaBinding b = cuda.binding();
    return new PinnedBuffer(b, b.mallocHost(Math.max(bytes, 1)), bytes);
  }

  /** The memory, {@code bytes} long. */
  public MemorySegment segment() {
    return segment;
  }

  /** Invalidates {@link #segment()} and frees the memory; later calls do nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      arena.close();
      cuda.freeHost(raw);
    }
  }
}

package dev.quiver.tower;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Allocates the off-heap memory of a model's embedding tables. Requests read table rows at
 * random, so large tables gain from huge pages (one TLB entry per 2 MiB instead of per 4 KiB):
 * the engine passes its huge-page allocator; {@link #PLAIN} is the arena's own allocation.
 */
@FunctionalInterface
public interface TableAllocator {
  /** The arena's own allocation, 64-byte aligned. */
  TableAllocator PLAIN = (arena, bytes) -> arena.allocate(bytes, 64);

  /** A segment of {@code bytes} bytes whose lifetime is that of {@code arena}. */
  MemorySegment allocate(Arena arena, long bytes);
}

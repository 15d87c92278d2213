package dev.quiver.engine.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only in a confined arena. Mapping costs no reads: pages are faulted in
 * only when touched, so header peeks stay cheap on large files. Unmapped by {@link #close()}; the
 * segment must not be used afterwards, and only by the opening thread.
 */
final class MappedFile implements AutoCloseable {
  private final Path path;
  private final Arena arena;
  private final MemorySegment segment;

  private MappedFile(Path path, Arena arena, MemorySegment segment) {
    this.path = path;
    this.arena = arena;
    this.segment = segment;
  }

  static MappedFile open(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size == 0) {
        throw new IOException(path + ": file is empty");
      }
      Arena arena = Arena.ofConfined();
      try {
        return new MappedFile(path, arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
      } catch (IOException | RuntimeException e) {
        arena.close();
        throw e;
      }
    }
  }

  Path path() {
    return path;
  }

  MemorySegment segment() {
    return segment;
  }

  long size() {
    return segment.byteSize();
  }

  @Override
  public void close() {
    arena.close();
  }
}

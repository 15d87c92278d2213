package dev.quiver.serving.snapshot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** File-system steps that must survive a crash: forcing files and directories, checksums, deletes. */
final class Durable {
  private static final long CHUNK = 1L << 30;
  /** A few milliseconds of work between pauses. */
  private static final long PACED_CHUNK = 8L << 20;

  private Durable() {}

  /** Forces a file's content, or a directory's entries, to disk. */
  static void force(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** CRC32C of a whole file as 8 hex digits, read through a mapping freed on return. */
  static String crc32c(Path file) throws IOException {
    return crc32c(file, 1);
  }

  /**
   * As {@link #crc32c(Path)}, using at most {@code cpuShare} (0, 1] of one core: after each chunk
   * the thread sleeps in proportion to the time the chunk took, so that a load running beside
   * the request threads leaves them the cores.
   */
  static String crc32c(Path file, double cpuShare) throws IOException {
    CRC32C crc = new CRC32C();
    long chunk = cpuShare >= 1 ? CHUNK : PACED_CHUNK;
    try (Arena arena = Arena.ofConfined();
         FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > 0) {
        MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        for (long off = 0; off < size; off += chunk) {
          long t0 = System.nanoTime();
          crc.update(all.asSlice(off, Math.min(chunk, size - off)).asByteBuffer());
          pause(System.nanoTime() - t0, cpuShare);
        }
      }
    }
    return HexFormat.of().toHexDigits((int) crc.getValue());
  }

  private static void pause(long workNanos, double cpuShare) throws IOException {
    if (cpuShare >= 1) {
      return;
    }
    try {
      java.util.concurrent.TimeUnit.NANOSECONDS.sleep((long) (workNanos * (1 / cpuShare - 1)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while checksumming");
    }
  }

  /** Regular files under {@code dir}, recursively, in a stable order. */
  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** Deletes {@code path} and everything under it; nothing when it does not exist. */
  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

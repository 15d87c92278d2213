package dev.quiver.engine.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Little-endian output through one off-heap block: values are gathered into the block and the
 * channel sees only block-sized writes, so a file of millions of short rows costs a few hundred
 * system calls. Single-threaded; {@link #close()} writes what is left.
 */
final class BlockWriter implements AutoCloseable {
  private static final int BLOCK_BYTES = 1 << 20;
  private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final FileChannel channel;
  private final Arena arena = Arena.ofConfined();
  private final MemorySegment block = arena.allocate(BLOCK_BYTES, 64);
  private long position;

  private BlockWriter(FileChannel channel) {
    this.channel = channel;
  }

  /** Creates {@code path}, or truncates it if it exists. */
  static BlockWriter create(Path path) throws IOException {
    return new BlockWriter(FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING));
  }

  void putBytes(byte[] bytes) throws IOException {
    for (int done = 0; done < bytes.length; ) {
      int n = (int) Math.min(bytes.length - done, room(1));
      MemorySegment.copy(bytes, done, block, ValueLayout.JAVA_BYTE, position, n);
      position += n;
      done += n;
    }
  }

  void putShort(short value) throws IOException {
    room(Short.BYTES);
    block.set(SHORT_LE, position, value);
    position += Short.BYTES;
  }

  void putInt(int value) throws IOException {
    room(Integer.BYTES);
    block.set(INT_LE, position, value);
    position += Integer.BYTES;
  }

  void putInts(int[] values) throws IOException {
    for (int done = 0; done < values.length; ) {
      int n = (int) Math.min(values.length - done, room(Integer.BYTES) / Integer.BYTES);
      MemorySegment.copy(values, done, block, INT_LE, position, n);
      position += (long) n * Integer.BYTES;
      done += n;
    }
  }

  void putFloats(float[] values) throws IOException {
    for (int done = 0; done < values.length; ) {
      int n = (int) Math.min(values.length - done, room(Float.BYTES) / Float.BYTES);
      MemorySegment.copy(values, done, block, FLOAT_LE, position, n);
      position += (long) n * Float.BYTES;
      done += n;
    }
  }

  /** Writes {@code count} floats read from {@code src} at {@code offset} in byte order {@code order}. */
  void putFloats(MemorySegment src, long offset, long count, ByteOrder order) throws IOException {
    ValueLayout.OfFloat srcLayout = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
    for (long done = 0; done < count; ) {
      long n = Math.min(count - done, room(Float.BYTES) / Float.BYTES);
      MemorySegment.copy(src, srcLayout, offset + done * Float.BYTES, block, FLOAT_LE, position, n);
      position += n * Float.BYTES;
      done += n;
    }
  }

  /** Flushes the block if fewer than {@code atLeast} bytes are free; returns the free bytes. */
  private long room(int atLeast) throws IOException {
    if (BLOCK_BYTES - position < atLeast) {
      flush();
    }
    return BLOCK_BYTES - position;
  }

  private void flush() throws IOException {
    ByteBuffer pending = block.asSlice(0, position).asByteBuffer();
    while (pending.hasRemaining()) {
      channel.write(pending);
    }
    position = 0;
  }

  @Override
  public void close() throws IOException {
    try (channel; arena) {
      flush();
    }
  }
}

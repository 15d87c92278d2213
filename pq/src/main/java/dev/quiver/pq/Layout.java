package dev.quiver.pq;

import dev.quiver.engine.IndexFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The offsets of the sections of an index body, each starting on a 64-byte boundary so that a
 * mapped section is as aligned as freshly allocated memory. The writer appends sections in one
 * order and the reader recomputes the same offsets from the header's metadata, so the body needs
 * no table of contents; a body whose length differs from the recomputed one is refused.
 *
 * <p>Also the helpers that move small heap arrays (centroids, codebooks) in and out of a body.
 * Bodies are in native byte order, as the engine's flat kind writes them.
 */
public final class Layout {
  public static final int ALIGN = 64;

  private long size;

  /** Reserves a section of {@code bytes}; returns its offset. */
  public long add(long bytes) {
    long offset = (size + ALIGN - 1) & -ALIGN;
    size = offset + bytes;
    return offset;
  }

  /** The body length: the end of the last section. */
  public long size() {
    return size;
  }

  /** Throws an IOException naming the file unless its body is exactly as long as this layout. */
  public void check(IndexFile file, String kind) throws IOException {
    if (file.body().byteSize() != size) {
      throw new IOException(file.path() + ": " + kind + " body is " + file.body().byteSize()
          + " bytes, expected " + size + " for the sizes in its header");
    }
  }

  /** Aligns, then writes a section of floats. */
  public static void writeFloats(IndexFile.BodyOutput out, float[] values) throws IOException {
    out.align(ALIGN);
    MemorySegment bytes = MemorySegment.ofArray(new byte[values.length * Float.BYTES]);
    MemorySegment.copy(values, 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
    out.write(bytes);
  }

  /** Aligns, then writes a section of ints. */
  public static void writeInts(IndexFile.BodyOutput out, int[] values) throws IOException {
    out.align(ALIGN);
    MemorySegment bytes = MemorySegment.ofArray(new byte[values.length * Integer.BYTES]);
    MemorySegment.copy(values, 0, bytes, ValueLayout.JAVA_INT_UNALIGNED, 0, values.length);
    out.write(bytes);
  }

  /** Aligns, then writes {@code bytes} bytes of {@code segment}. */
  public static void writeSegment(IndexFile.BodyOutput out, MemorySegment segment, long bytes) throws IOException {
    out.align(ALIGN);
    out.write(segment.asSlice(0, bytes));
  }

  public static float[] readFloats(MemorySegment body, long offset, int count) {
    float[] values = new float[count];
    MemorySegment.copy(body, ValueLayout.JAVA_FLOAT_UNALIGNED, offset, values, 0, count);
    return values;
  }

  public static int[] readInts(MemorySegment body, long offset, int count) {
    int[] values = new int[count];
    MemorySegment.copy(body, ValueLayout.JAVA_INT_UNALIGNED, offset, values, 0, count);
    return values;
  }
}

package dev.quiver.pq;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.VectorStore;
import dev.quiver.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Build-time helpers: reading source rows (normalised for cosine) and copying ids and vectors. */
public final class Rows {
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private Rows() {}

  /** Copies rows {@code [from, from + n)} of {@code src} into {@code dst} back to back, normalising each when asked. */
  public static void read(VectorStore src, int from, int n, float[] dst, boolean normalize) {
    int dim = src.dimension();
    MemorySegment.copy(src.segment(), FLOAT, src.offset(from), dst, 0, n * dim);
    if (normalize) {
      for (int i = 0; i < n; i++) {
        normalize(dst, i * dim, dim);
      }
    }
  }

  /** A k-means row source over {@code src}, normalising for cosine. */
  public static KMeans.RowSource source(VectorStore src, boolean normalize) {
    int dim = src.dimension();
    return (r, dst, offset) -> {
      MemorySegment.copy(src.segment(), FLOAT, src.offset(r), dst, offset, dim);
      if (normalize) {
        normalize(dst, offset, dim);
      }
    };
  }

  /** Scales {@code a[offset..offset+dim)} to unit length; zero stays zero. */
  public static void normalize(float[] a, int offset, int dim) {
    float norm = (float) Math.sqrt(VectorKernels.dot(a, offset, a, offset, dim));
    if (norm > 0f) {
      float inv = 1f / norm;
      for (int j = 0; j < dim; j++) {
        a[offset + j] *= inv;
      }
    }
  }

  /** Checks the ids' count; null stays null (ids are the ordinals). */
  public static void checkIds(long[] ids, int n) {
    if (ids != null && ids.length != n) {
      throw new IllegalArgumentException("ids has " + ids.length + " entries for " + n + " vectors");
    }
  }

  /** The id map of a build: identity for null ids, else a copy in {@code arena} (duplicates refused). */
  public static IdMap ids(Arena arena, long[] ids, int n) {
    if (ids == null) {
      return IdMap.identity(n);
    }
    MemorySegment seg = arena.allocate(Math.max(1, (long) n * Long.BYTES), 64);
    MemorySegment.copy(ids, 0, seg, ValueLayout.JAVA_LONG_UNALIGNED, 0, n);
    return IdMap.of(seg, n);
  }

  /** The id map of an opened file; {@code offset} is ignored when the file has no ids. */
  public static IdMap ids(MemorySegment body, boolean stored, long offset, int n) {
    return stored ? IdMap.of(body.asSlice(offset, (long) n * Long.BYTES), n) : IdMap.identity(n);
  }

  /** Writes the ids (ordinal order) of a non-identity map as a section. */
  public static void writeIds(dev.quiver.engine.IndexFile.BodyOutput out, IdMap ids, int n) throws java.io.IOException {
    out.align(Layout.ALIGN);
    for (int i = 0; i < n; i++) {
      out.writeLong(ids.id(i));
    }
  }
}

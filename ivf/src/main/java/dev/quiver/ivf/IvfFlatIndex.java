package dev.quiver.ivf;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFile;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.Knobs;
import dev.quiver.pq.Layout;
import dev.quiver.pq.Rows;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Kind {@code ivf-flat}: the inverted file over float32 vectors. A probe is a
 * {@link VectorKernels#dotRows} (or {@code squareDistanceRows}) scan of the list's contiguous rows
 * into a block of scores, fed to the top-k a vector of scores at a time. Scores are exact, so with
 * {@code nprobe = nlist} the search is exact.
 *
 * <p>Body: the inverted file's sections, then the vectors in list order. Parameters and lifetime
 * as {@link IvfIndex}.
 */
public final class IvfFlatIndex extends IvfIndex<IvfIndex.IvfScratch> {
  public static final String KIND = "ivf-flat";

  private final MemorySegment vectors;

  private IvfFlatIndex(Metric metric, int count, IdMap ids, Centroids centroids, int[] starts, MemorySegment ordinals,
                       MemorySegment vectors, AutoCloseable owner) {
    super(metric, count, ids, centroids, starts, ordinals, null, owner);
    this.vectors = vectors;
  }

  public static IvfFlatIndex build(VectorStore source, long[] ids, Metric metric, Params params, int threads) {
    return build(source, ids, metric, params, threads, null);
  }

  /** As {@link #build(VectorStore, long[], Metric, Params, int)}, with the lists given when not null. */
  static IvfFlatIndex build(VectorStore source, long[] ids, Metric metric, Params params, int threads,
      ListBuilder given) {
    Knobs.only(params, KIND + " build", BUILD_PARAMS);
    Rows.checkIds(ids, source.size());
    ListBuilder lists = given != null ? given : new ListBuilder(source, metric, params, threads);
    Arena arena = Arena.ofShared();
    try {
      return new IvfFlatIndex(metric, source.size(), Rows.ids(arena, ids, source.size()), lists.centroids,
          lists.starts, lists.ordinals(arena), lists.vectors(arena), arena);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  static IvfFlatIndex open(IndexFile file) throws IOException {
    Header h = new Header(file);
    long vectorsOff = h.layout.add((long) h.count * h.dim * Float.BYTES);
    h.layout.check(file, KIND);
    return new IvfFlatIndex(h.metric, h.count, h.ids(), h.centroids(), h.starts(), h.ordinals(),
        h.slice(vectorsOff, (long) h.count * h.dim * Float.BYTES), file);
  }

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    IndexFile.write(path, metadata(), out -> {
      writeLists(out);
      Layout.writeSegment(out, vectors, (long) count * dim * Float.BYTES);
    });
  }

  /** Never asked: the scores are exact and no float copy is kept. */
  @Override
  protected int defaultRerank(int k) {
    return 0;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public long byteSize() {
    return listBytes() + (long) count * dim * Float.BYTES;
  }

  @Override
  protected void reconstruct(int position, float[] out) {
    MemorySegment.copy(vectors, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) position * dim * Float.BYTES, out, 0, dim);
  }

  @Override
  protected IvfScratch newScratch() {
    return new IvfScratch(this);
  }

  @Override
  protected void prepareQuery(IvfScratch s) {
  }

  @Override
  protected void scanList(IvfScratch s, int list, float coarseRank) {
    long rowBytes = (long) dim * Float.BYTES;
    for (int start = starts[list], end = starts[list + 1]; start < end; start += BLOCK) {
      int rows = Math.min(BLOCK, end - start);
      if (l2) {
        VectorKernels.squareDistanceRows(s.query, vectors, start * rowBytes, rows, dim, s.scores, 0);
        for (int i = 0; i < rows; i++) {
          s.scores[i] = -s.scores[i];
        }
      } else {
        VectorKernels.dotRows(s.query, vectors, start * rowBytes, rows, dim, s.scores, 0);
      }
      s.top.offerBlock(s.scores, 0, rows, start, s.accept);
    }
  }
}

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
import dev.quiver.pq.ScalarQuantizer;
import dev.quiver.pq.Sq8Index;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Kind {@code ivf-sq8}: the inverted file over SQ8 codes of the residuals {@code r = x - c} from
 * each item's list centroid, scanned with the int8 dot kernel. Residuals span far narrower ranges
 * than the vectors, so the same 256 levels are finer. One set of ranges serves every list, so the
 * query is quantised once and every list scans with the same int8 weights:
 * {@code q.x' = q.c + q.r'}, where {@code q.c} is the list's coarse rank; for L2 each item keeps
 * {@code |r'|^2 + 2 c.r'} and the rank {@code -|q - x'|^2} is
 * {@code 2 q.r' - (|r'|^2 + 2 c.r') - |q|^2 + (2 q.c - |c|^2)}, the last term again the coarse
 * rank. Error bounds as {@link ScalarQuantizer}, applied to the residual.
 *
 * <p>Build parameters: those of {@link IvfIndex} and {@code refine} (1 keeps float vectors for
 * {@code rerank}). Body: the inverted file's sections, minima, steps, codes, the L2 terms, exact
 * vectors (refine).
 */
public final class IvfSq8Index extends IvfIndex<IvfSq8Index.Sq8Scratch> {
  public static final String KIND = "ivf-sq8";
  private static final java.util.Set<String> PARAMS = buildParams("refine");

  private final ScalarQuantizer sq;
  private final MemorySegment codes;
  private final MemorySegment norms;

  private IvfSq8Index(Metric metric, int count, IdMap ids, Centroids centroids, int[] starts, MemorySegment ordinals,
                      ScalarQuantizer sq, MemorySegment codes, MemorySegment norms, MemorySegment exact,
                      AutoCloseable owner) {
    super(metric, count, ids, centroids, starts, ordinals, exact, owner);
    this.sq = sq;
    this.codes = codes;
    this.norms = norms;
  }

  public static IvfSq8Index build(VectorStore source, long[] ids, Metric metric, Params params, int threads) {
    return build(source, ids, metric, params, threads, null);
  }

  /** As {@link #build(VectorStore, long[], Metric, Params, int)}, with the lists given when not null. */
  static IvfSq8Index build(VectorStore source, long[] ids, Metric metric, Params params, int threads,
      ListBuilder given) {
    Knobs.only(params, KIND + " build", PARAMS);
    boolean refine = Knobs.atLeast(params, "refine", 0, 0) > 0;
    int n = source.size();
    int dim = source.dimension();
    Rows.checkIds(ids, n);
    ListBuilder lists = given != null ? given : new ListBuilder(source, metric, params, threads);
    Arena arena = Arena.ofShared();
    try (Arena temp = Arena.ofConfined()) {
      MemorySegment residuals = lists.residuals(temp);
      ScalarQuantizer sq = ScalarQuantizer.train(residuals, n, dim);
      MemorySegment codes = arena.allocate((long) n * dim, 64);
      Sq8Index.encode(sq, residuals, n, codes, null);
      MemorySegment norms = metric == Metric.L2 ? distanceTerms(lists, sq, codes, arena) : null;
      return new IvfSq8Index(metric, n, Rows.ids(arena, ids, n), lists.centroids, lists.starts, lists.ordinals(arena),
          sq, codes, norms, refine ? lists.vectors(arena) : null, arena);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** {@code |r'|^2 + 2 c.r'} per position, from the decoded residuals. */
  private static MemorySegment distanceTerms(ListBuilder lists, ScalarQuantizer sq, MemorySegment codes, Arena arena) {
    int n = lists.order.length;
    int dim = sq.dimension();
    MemorySegment terms = arena.allocate(Math.max(1, (long) n * Float.BYTES), 64);
    byte[] code = new byte[dim];
    float[] r = new float[dim];
    float[] c = lists.centroids.rows();
    for (int p = 0; p < n; p++) {
      MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, (long) p * dim, code, 0, dim);
      sq.decode(code, 0, r);
      float term = VectorKernels.dot(r, r)
          + 2f * VectorKernels.dot(c, lists.listOf[p] * dim, r, 0, dim);
      terms.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, p, term);
    }
    return terms;
  }

  static IvfSq8Index open(IndexFile file) throws IOException {
    Header h = new Header(file);
    long minOff = h.layout.add((long) h.dim * Float.BYTES);
    long stepOff = h.layout.add((long) h.dim * Float.BYTES);
    long codesOff = h.layout.add((long) h.count * h.dim);
    long normsOff = h.metric == Metric.L2 ? h.layout.add((long) h.count * Float.BYTES) : -1;
    long exactOff = h.refine ? h.layout.add((long) h.count * h.dim * Float.BYTES) : -1;
    h.layout.check(file, KIND);
    ScalarQuantizer sq;
    try {
      sq = new ScalarQuantizer(Layout.readFloats(file.body(), minOff, h.dim), Layout.readFloats(file.body(), stepOff, h.dim));
    } catch (IllegalArgumentException e) {
      throw new IOException(file.path() + ": " + e.getMessage(), e);
    }
    return new IvfSq8Index(h.metric, h.count, h.ids(), h.centroids(), h.starts(), h.ordinals(), sq,
        h.slice(codesOff, (long) h.count * h.dim), normsOff < 0 ? null : h.slice(normsOff, (long) h.count * Float.BYTES),
        exactOff < 0 ? null : h.slice(exactOff, (long) h.count * h.dim * Float.BYTES), file);
  }

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    IndexFile.write(path, metadata(), out -> {
      writeLists(out);
      Layout.writeFloats(out, sq.min());
      Layout.writeFloats(out, sq.step());
      Layout.writeSegment(out, codes, (long) count * dim);
      if (norms != null) {
        Layout.writeSegment(out, norms, (long) count * Float.BYTES);
      }
      if (refines()) {
        Layout.writeSegment(out, exact, (long) count * dim * Float.BYTES);
      }
    });
  }

  /** The residual quantizer (immutable). */
  public ScalarQuantizer quantizer() {
    return sq;
  }

  /**
   * Four times k: SQ8 codes rank items nearly as floats do; on 1M x 64 two-tower vectors,
   * rescoring the best 40 for k = 10 gave ivf-flat's recall at every nprobe from 16 to 128
   * (docs/BENCHMARKS.md, "Default rescoring").
   */
  @Override
  protected int defaultRerank(int k) {
    return 4 * k;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public long byteSize() {
    return listBytes() + (long) count * dim + (norms == null ? 0 : (long) count * Float.BYTES)
        + 2L * dim * Float.BYTES + (exact == null ? 0 : (long) count * dim * Float.BYTES);
  }

  /** The list centroid plus the decoded residual. */
  @Override
  protected void reconstruct(int position, float[] out) {
    sq.decode(codes, (long) position * dim, out);
    addCentroid(listAt(position), out);
  }

  @Override
  protected Sq8Scratch newScratch() {
    return new Sq8Scratch(this);
  }

  @Override
  protected void prepareQuery(Sq8Scratch s) {
    sq.prepare(s.query, s.quantized);
  }

  @Override
  protected void scanList(Sq8Scratch s, int list, float coarseRank) {
    for (int start = starts[list], end = starts[list + 1]; start < end; start += BLOCK) {
      int rows = Math.min(BLOCK, end - start);
      Sq8Index.scoreRows(sq, s.quantized, codes, norms, start, rows, s.querySquaredNorm, coarseRank, s.scores);
      s.top.offerBlock(s.scores, 0, rows, start, s.accept);
    }
  }

  /** The quantised query. */
  static final class Sq8Scratch extends IvfScratch {
    final ScalarQuantizer.Query quantized;

    Sq8Scratch(IvfSq8Index index) {
      super(index);
      quantized = new ScalarQuantizer.Query(index.dim, BLOCK);
    }
  }
}

package dev.quiver.pq;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFile;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Kind {@code sq8}: every item as {@code dimension} int8 codes ({@link ScalarQuantizer}), scanned
 * in full with the int8 dot kernel. L2 keeps {@code |x'|^2} per item (4 more bytes) and ranks by
 * {@code -(|q|^2 - 2 q.x' + |x'|^2)}.
 *
 * <p>Build parameter: {@code refine} (1 keeps the float vectors for the search parameter
 * {@code rerank}). Body: minima, steps, codes, norms (L2), ids (when given), exact vectors
 * (refine). See {@link ApproximateIndex} for thread-safety and lifetime.
 */
public final class Sq8Index extends ApproximateIndex<Sq8Index.Sq8Scratch> {
  public static final String KIND = "sq8";
  private static final Set<String> BUILD_PARAMS = Set.of("refine");
  private static final Set<String> SEARCH_PARAMS = Set.of("rerank");

  private final ScalarQuantizer sq;
  private final MemorySegment codes;
  private final MemorySegment norms;

  private Sq8Index(Metric metric, ScalarQuantizer sq, int count, IdMap ids, MemorySegment codes, MemorySegment norms,
                   MemorySegment exact, AutoCloseable owner) {
    super(metric, sq.dimension(), count, ids, null, exact, owner);
    this.sq = sq;
    this.codes = codes;
    this.norms = norms;
  }

  /** Builds over a copy of {@code source} (normalised for cosine). */
  public static Sq8Index build(VectorStore source, long[] ids, Metric metric, Params params) {
    Knobs.only(params, "sq8 build", BUILD_PARAMS);
    boolean refine = Knobs.atLeast(params, "refine", 0, 0) > 0;
    int n = source.size();
    int dim = source.dimension();
    Rows.checkIds(ids, n);
    Arena arena = Arena.ofShared();
    try {
      MemorySegment rows = arena.allocate(Math.max(1, source.byteSize()), 64);
      MemorySegment.copy(source.segment(), 0, rows, 0, source.byteSize());
      if (metric == Metric.COSINE) {
        VectorStore.view(rows, dim, n).normalizeRows();
      }
      ScalarQuantizer sq = n == 0 ? new ScalarQuantizer(new float[dim], new float[dim])
          : ScalarQuantizer.train(rows, n, dim);
      MemorySegment codes = arena.allocate(Math.max(1, (long) n * dim), 64);
      MemorySegment norms = metric == Metric.L2 ? arena.allocate(Math.max(1, (long) n * Float.BYTES), 64) : null;
      encode(sq, rows, n, codes, norms);
      return new Sq8Index(metric, sq, n, Rows.ids(arena, ids, n), codes, norms, refine ? rows : null, arena);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** Encodes {@code n} rows into {@code codes} and, when not null, their reconstructions' norms. */
  public static void encode(ScalarQuantizer sq, MemorySegment rows, int n, MemorySegment codes, MemorySegment norms) {
    int dim = sq.dimension();
    float[] row = new float[dim];
    float[] decoded = new float[dim];
    byte[] code = new byte[dim];
    for (int i = 0; i < n; i++) {
      MemorySegment.copy(rows, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) i * dim * Float.BYTES, row, 0, dim);
      sq.encode(row, code, 0);
      MemorySegment.copy(code, 0, codes, ValueLayout.JAVA_BYTE, (long) i * dim, dim);
      if (norms != null) {
        norms.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, sq.squaredNorm(code, 0, decoded));
      }
    }
  }

  static Sq8Index open(IndexFile file) throws IOException {
    Map<String, String> meta = file.metadata();
    Metric metric = Metric.fromName(meta.getOrDefault("metric", "?"));
    int dim = (int) file.metaLong("dimension");
    int n = (int) file.metaLong("count");
    boolean hasIds = "long".equals(meta.get("ids"));
    boolean refine = file.metaLong("refine") != 0;
    if (dim <= 0 || n < 0) {
      throw new IOException(file.path() + ": sq8 index of " + n + " vectors of dimension " + dim);
    }
    Layout layout = new Layout();
    long minOff = layout.add((long) dim * Float.BYTES);
    long stepOff = layout.add((long) dim * Float.BYTES);
    long codesOff = layout.add((long) n * dim);
    long normsOff = metric == Metric.L2 ? layout.add((long) n * Float.BYTES) : -1;
    long idsOff = hasIds ? layout.add((long) n * Long.BYTES) : -1;
    long exactOff = refine ? layout.add((long) n * dim * Float.BYTES) : -1;
    layout.check(file, KIND);
    MemorySegment body = file.body();
    ScalarQuantizer sq;
    try {
      sq = new ScalarQuantizer(Layout.readFloats(body, minOff, dim), Layout.readFloats(body, stepOff, dim));
    } catch (IllegalArgumentException e) {
      throw new IOException(file.path() + ": " + e.getMessage(), e);
    }
    return new Sq8Index(metric, sq, n, Rows.ids(body, hasIds, idsOff, n), body.asSlice(codesOff, (long) n * dim),
        normsOff < 0 ? null : body.asSlice(normsOff, (long) n * Float.BYTES),
        refine ? body.asSlice(exactOff, (long) n * dim * Float.BYTES) : null, file);
  }

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("kind", KIND);
    meta.put("metric", metric.shortName());
    meta.put("dimension", Integer.toString(dim));
    meta.put("count", Integer.toString(count));
    meta.put("ids", ids.isIdentity() ? "none" : "long");
    meta.put("refine", refines() ? "1" : "0");
    IndexFile.write(path, meta, out -> {
      Layout.writeFloats(out, sq.min());
      Layout.writeFloats(out, sq.step());
      Layout.writeSegment(out, codes, (long) count * dim);
      if (norms != null) {
        Layout.writeSegment(out, norms, (long) count * Float.BYTES);
      }
      if (!ids.isIdentity()) {
        Rows.writeIds(out, ids, count);
      }
      if (refines()) {
        Layout.writeSegment(out, exact, (long) count * dim * Float.BYTES);
      }
    });
  }

  /** The quantizer (immutable). */
  public ScalarQuantizer quantizer() {
    return sq;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public long byteSize() {
    return (long) count * dim + (norms == null ? 0 : (long) count * Float.BYTES) + 2L * dim * Float.BYTES
        + commonBytes();
  }

  @Override
  protected void reconstruct(int position, float[] out) {
    sq.decode(codes, (long) position * dim, out);
  }

  @Override
  protected Sq8Scratch newScratch() {
    return new Sq8Scratch(this);
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
  protected Set<String> searchParameters() {
    return SEARCH_PARAMS;
  }

  @Override
  protected SearchParams typedParams(Params params, int rerank) {
    return new QuantizedSearchParams(rerank);
  }

  @Override
  protected int configure(Sq8Scratch s, SearchParams params) {
    return SearchParams.of(QuantizedSearchParams.class, params, QuantizedSearchParams.DEFAULTS, kind()).rerank();
  }

  @Override
  protected void collect(Sq8Scratch s) {
    sq.prepare(s.query, s.quantized);
    for (int start = 0; start < count; start += BLOCK) {
      int rows = Math.min(BLOCK, count - start);
      scoreRows(sq, s.quantized, codes, norms, start, rows, s.querySquaredNorm, 0f, s.scores);
      s.top.offerBlock(s.scores, 0, rows, start, s.accept);
    }
  }

  /**
   * Scores the codes at positions {@code [start, start + rows)} into {@code scores[0..rows)}:
   * the estimated inner product {@code e}, or with {@code norms} {@code 2 e - norm - |q|^2}
   * (the negated estimated squared distance when {@code norm = |x'|^2}); plus {@code bias}.
   */
  public static void scoreRows(ScalarQuantizer sq, ScalarQuantizer.Query q, MemorySegment codes, MemorySegment norms,
                               int start, int rows, float querySquaredNorm, float bias, float[] scores) {
    q.estimateRows(codes, start, rows, scores);
    for (int r = 0; r < rows; r++) {
      float est = scores[r];
      scores[r] = bias + (norms == null ? est
          : 2f * est - norms.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, start + r) - querySquaredNorm);
    }
  }

  /** The quantised query. */
  static final class Sq8Scratch extends ApproximateIndex.Scratch {
    final ScalarQuantizer.Query quantized;

    Sq8Scratch(Sq8Index index) {
      super(index);
      quantized = new ScalarQuantizer.Query(index.dim, BLOCK);
    }
  }
}

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
 * Kind {@code pq}: every item as an {@code m}-byte product-quantizer code, scanned in full with
 * per-query lookup tables (asymmetric distance), optionally re-ranked with exact vectors.
 *
 * <p>Build parameters: {@code m} (sub-quantizers, divides the dimension; default dimension/4 when
 * that divides, else the dimension), {@code nbits} (1..8, default 8), {@code train} (training
 * sample, default 65,536), {@code iterations} (k-means of each codebook, default
 * {@value ProductQuantizer#DEFAULT_ITERATIONS}), {@code refine} (1 keeps the
 * float vectors for {@code rerank}, default 0), {@code fastscan} (default 1 with {@code nbits=4}
 * or {@code 8} and {@code m <= 128}: codes in {@link FastScan} blocks, scanned with byte tables). Search parameter: {@code rerank}.
 *
 * <p>Body: codebooks, codes ({@code count x m} bytes, or {@link FastScan#packedBytes}), ids (when
 * given), exact vectors (refine).
 * See {@link ApproximateIndex} for thread-safety and lifetime.
 */
public final class PqIndex extends ApproximateIndex<PqIndex.PqScratch> {
  public static final String KIND = "pq";
  static final Set<String> BUILD_PARAMS = Set.of("m", "nbits", "train", "iterations", "refine", "fastscan");
  private static final Set<String> SEARCH_PARAMS = Set.of("rerank");
  private static final long SEED = 0x5eed_0f_c0deL;

  private final ProductQuantizer pq;
  private final MemorySegment codes;
  private final boolean fastScan;

  private PqIndex(Metric metric, ProductQuantizer pq, int count, IdMap ids, MemorySegment codes, boolean fastScan,
                  MemorySegment exact, AutoCloseable owner) {
    super(metric, pq.dimension(), count, ids, null, exact, owner);
    this.pq = pq;
    this.codes = codes;
    this.fastScan = fastScan;
  }

  /**
   * Reads the {@code fastscan} parameter: on by default wherever the layout exists (4- and 8-bit
   * codes, {@code m <= 128}), refused elsewhere. For 8-bit codes it scans about ten times faster
   * than the float tables; the byte tables' error ({@link FastScan.Tables#errorBound}) left recall
   * unchanged at four decimals with re-ranking (1M x 64, m = 32) and cost 0.002 to 0.003 of
   * recall@10 without it (200k x 64), where {@code fastscan=0} keeps the float tables.
   */
  public static boolean fastScan(Params params, int m, int nbits) {
    boolean available = FastScan.supports(nbits) && m <= FastScan.MAX_M;
    boolean fastScan = Knobs.atLeast(params, "fastscan", available ? 1 : 0, 0) > 0;
    if (fastScan && (!FastScan.supports(nbits) || m > FastScan.MAX_M)) {
      throw new IllegalArgumentException("fastscan=1 needs nbits=4 or 8 and m <= " + FastScan.MAX_M
          + ", got nbits=" + nbits + ", m=" + m);
    }
    return fastScan;
  }

  /** The default {@code m}: four components per sub-quantizer when the dimension allows. */
  public static int defaultM(int dim) {
    return dim % 4 == 0 ? dim / 4 : dim;
  }

  /** Builds over a copy of {@code source} (normalised for cosine). */
  public static PqIndex build(VectorStore source, long[] ids, Metric metric, Params params, int threads) {
    Knobs.only(params, "pq build", BUILD_PARAMS);
    int n = source.size();
    int dim = source.dimension();
    Rows.checkIds(ids, n);
    int m = Knobs.atLeast(params, "m", defaultM(dim), 1);
    int nbits = Knobs.atLeast(params, "nbits", 8, 1);
    int train = Knobs.atLeast(params, "train", 65_536, 1);
    int iterations = Knobs.atLeast(params, "iterations", ProductQuantizer.DEFAULT_ITERATIONS, 1);
    boolean refine = Knobs.atLeast(params, "refine", 0, 0) > 0;
    ProductQuantizer.checkShape(dim, m, nbits);
    boolean fastScan = fastScan(params, m, nbits);
    boolean cosine = metric == Metric.COSINE;
    float[] sample = KMeans.sample(Rows.source(source, cosine), n, dim, train, SEED);
    ProductQuantizer pq = ProductQuantizer.train(sample, Math.min(n, train), dim, m, nbits, iterations, SEED, threads);
    Arena arena = Arena.ofShared();
    try {
      MemorySegment codes = arena.allocate(Math.max(1, (long) n * m), 64);
      MemorySegment exact = refine ? arena.allocate(Math.max(1, source.byteSize()), 64) : null;
      encodeAll(source, pq, cosine, codes, exact, threads);
      if (fastScan) {
        byte[] plain = codes.asSlice(0, (long) n * m).toArray(ValueLayout.JAVA_BYTE);
        codes = arena.allocate(Math.max(1, FastScan.packedBytes(n, m, nbits)), 64);
        FastScan.pack(plain, 0, n, m, nbits, codes, 0);
      }
      return new PqIndex(metric, pq, n, Rows.ids(arena, ids, n), codes, fastScan, exact, arena);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static void encodeAll(VectorStore source, ProductQuantizer pq, boolean cosine, MemorySegment codes,
                                MemorySegment exact, int threads) {
    int dim = source.dimension();
    int chunk = 8192;
    float[] rows = new float[chunk * dim];
    byte[] code = new byte[chunk * pq.m()];
    for (int from = 0; from < source.size(); from += chunk) {
      int n = Math.min(chunk, source.size() - from);
      Rows.read(source, from, n, rows, cosine);
      pq.encode(rows, n, code, threads);
      MemorySegment.copy(code, 0, codes, ValueLayout.JAVA_BYTE, (long) from * pq.m(), n * pq.m());
      if (exact != null) {
        MemorySegment.copy(rows, 0, exact, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) from * dim * Float.BYTES, n * dim);
      }
    }
  }

  /** Opens a file written by {@link #write}; the index owns {@code file} from here on. */
  static PqIndex open(IndexFile file) throws IOException {
    Map<String, String> meta = file.metadata();
    Metric metric = Metric.fromName(meta.getOrDefault("metric", "?"));
    int dim = (int) file.metaLong("dimension");
    int n = (int) file.metaLong("count");
    int m = (int) file.metaLong("m");
    int nbits = (int) file.metaLong("nbits");
    boolean hasIds = "long".equals(meta.get("ids"));
    boolean refine = file.metaLong("refine") != 0;
    try {
      ProductQuantizer.checkShape(dim, m, nbits);
    } catch (IllegalArgumentException e) {
      throw new IOException(file.path() + ": " + e.getMessage(), e);
    }
    boolean fastScan = "1".equals(meta.get("fastscan"));
    if (fastScan && (!FastScan.supports(nbits) || m > FastScan.MAX_M)) {
      throw new IOException(file.path() + ": fast-scan codes with nbits=" + nbits + ", m=" + m);
    }
    long codeBytes = fastScan ? FastScan.packedBytes(n, m, nbits) : (long) n * m;
    int books = m * (1 << nbits) * (dim / m);
    long[] off = new long[4];
    Layout layout = new Layout();
    off[0] = layout.add((long) books * Float.BYTES);
    off[1] = layout.add(codeBytes);
    off[2] = hasIds ? layout.add((long) n * Long.BYTES) : -1;
    off[3] = refine ? layout.add((long) n * dim * Float.BYTES) : -1;
    layout.check(file, KIND);
    MemorySegment body = file.body();
    ProductQuantizer pq = new ProductQuantizer(dim, m, nbits, Layout.readFloats(body, off[0], books));
    return new PqIndex(metric, pq, n, Rows.ids(body, hasIds, off[2], n), body.asSlice(off[1], codeBytes), fastScan,
        refine ? body.asSlice(off[3], (long) n * dim * Float.BYTES) : null, file);
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
    meta.put("m", Integer.toString(pq.m()));
    meta.put("nbits", Integer.toString(pq.nbits()));
    meta.put("refine", refines() ? "1" : "0");
    meta.put("fastscan", fastScan ? "1" : "0");
    IndexFile.write(path, meta, out -> {
      Layout.writeFloats(out, pq.codebooks());
      Layout.writeSegment(out, codes, codes.byteSize());
      if (!ids.isIdentity()) {
        Rows.writeIds(out, ids, count);
      }
      if (refines()) {
        Layout.writeSegment(out, exact, (long) count * dim * Float.BYTES);
      }
    });
  }

  /** The quantizer (immutable). */
  public ProductQuantizer quantizer() {
    return pq;
  }

  /** True when the codes are in the 4-bit fast-scan layout. */
  public boolean fastScan() {
    return fastScan;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public long byteSize() {
    return codes.byteSize() + (long) pq.codebooks().length * Float.BYTES + commonBytes();
  }

  @Override
  protected void reconstruct(int position, float[] out) {
    if (fastScan) {
      FastScan.decode(codes, 0, position, pq, out);
    } else {
      pq.decode(codes, (long) position * pq.m(), out);
    }
  }

  @Override
  protected PqScratch newScratch() {
    return new PqScratch(this);
  }

  /**
   * Ten times k: on 1M x 64 two-tower vectors (m=64, 4-bit, nlist 4000), rescoring the best 100
   * for k = 10 came within 0.005 of ivf-flat's recall at nprobe 48 and 64 (docs/BENCHMARKS.md,
   * "Default rescoring").
   */
  @Override
  protected int defaultRerank(int k) {
    return 10 * k;
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
  protected int configure(PqScratch s, SearchParams params) {
    return SearchParams.of(QuantizedSearchParams.class, params, QuantizedSearchParams.DEFAULTS, kind()).rerank();
  }

  @Override
  protected void collect(PqScratch s) {
    boolean l2 = metric == Metric.L2;
    if (l2) {
      pq.distanceTable(s.query, s.table);
    } else {
      pq.innerProductTable(s.query, s.table);
    }
    if (fastScan) {
      scanBlocks(s, l2);
      return;
    }
    int m = pq.m();
    for (int start = 0; start < count; start += BLOCK) {
      int rows = Math.min(BLOCK, count - start);
      MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, (long) start * m, s.codes, 0, rows * m);
      pq.scoreRows(s.table, s.codes, rows, 0f, l2, s.scores, 0);
      s.top.offerBlock(s.scores, 0, rows, start, s.accept);
    }
  }

  private void scanBlocks(PqScratch s, boolean l2) {
    s.fast.quantize(s.table);
    long blockBytes = FastScan.blockBytes(pq.m(), pq.nbits());
    for (int start = 0; start < count; start += BLOCK) {
      int rows = Math.min(BLOCK, count - start);
      s.fast.scan(codes, start / FastScan.BLOCK * blockBytes, FastScan.blocks(rows), 0f, s.scores, 0);
      if (l2) {
        for (int i = 0; i < rows; i++) {
          s.scores[i] = -s.scores[i];
        }
      }
      s.top.offerBlock(s.scores, 0, rows, start, s.accept);
    }
  }

  /** Lookup tables and a block of codes. */
  static final class PqScratch extends ApproximateIndex.Scratch {
    final float[] table;
    final byte[] codes;
    final FastScan.Tables fast;

    PqScratch(PqIndex index) {
      super(index);
      table = new float[index.pq.tableSize()];
      codes = new byte[BLOCK * index.pq.m()];
      fast = index.fastScan ? new FastScan.Tables(index.pq.m(), index.pq.nbits()) : null;
    }
  }
}

package dev.quiver.ivf;

import dev.quiver.engine.IdMap;
import dev.quiver.engine.IndexFile;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.pq.Centroids;
import dev.quiver.pq.FastScan;
import dev.quiver.pq.Knobs;
import dev.quiver.pq.Layout;
import dev.quiver.pq.PqIndex;
import dev.quiver.pq.ProductQuantizer;
import dev.quiver.pq.Rows;
import dev.quiver.simd.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Set;

/**
 * Kind {@code ivf-pq}: the inverted file over product-quantizer codes of the residuals
 * {@code x - c} from each item's list centroid {@code c}, as FAISS's IVFPQ.
 *
 * <p>For ip and cosine, {@code q.x' = q.c + q.r'}: the first term is the list's coarse rank,
 * already computed, and the second is read from one lookup table built once per query, so a probe
 * costs nothing beyond its scan. L2 uses the same table:
 * {@code |q - c - r'|^2 = |q - c|^2 - 2 q.r' + (|r'|^2 + 2 c.r')}, where {@code |q - c|^2} comes
 * from the coarse rank and the last term is kept per item (4 bytes) at build. FAISS instead
 * rebuilds a table per probed list or precomputes {@code nlist x m x 2^nbits} floats; the per-item
 * term is smaller than that table whenever lists average fewer than {@code m 2^nbits} items.
 *
 * <p>Build parameters: those of {@link IvfIndex}, {@code m} (default as {@link PqIndex}),
 * {@code nbits} (1..8, default 8), {@code pqIterations} (k-means of each codebook, default
 * {@value ProductQuantizer#DEFAULT_ITERATIONS}; {@code iterations} is the coarse quantizer's), {@code refine} (1 keeps float vectors for {@code rerank}),
 * {@code fastscan} (default 1 with {@code nbits=4} or {@code 8} and {@code m <= 128}: codes
 * packed in {@link FastScan} blocks, each list padded to whole blocks, and scanned with tables
 * quantised to bytes; 0 keeps float tables).
 * Body: the inverted file's sections, codebooks, codes, the L2 terms, exact vectors (refine).
 */
public final class IvfPqIndex extends IvfIndex<IvfPqIndex.PqScratch> {
  public static final String KIND = "ivf-pq";
  private static final Set<String> PARAMS = buildParams("m", "nbits", "pqIterations", "refine", "fastscan");

  private final ProductQuantizer pq;
  private final MemorySegment codes;
  /** For fast scan: list {@code l}'s codes start at block {@code blockStarts[l]}; null otherwise. */
  private final int[] blockStarts;
  /** For L2, {@code |r'|^2 + 2 c.r'} per position; null otherwise. */
  private final MemorySegment terms;

  private IvfPqIndex(Metric metric, int count, IdMap ids, Centroids centroids, int[] starts, MemorySegment ordinals,
                     ProductQuantizer pq, MemorySegment codes, boolean fastScan, MemorySegment terms,
                     MemorySegment exact, AutoCloseable owner) {
    super(metric, count, ids, centroids, starts, ordinals, exact, owner);
    this.pq = pq;
    this.codes = codes;
    this.terms = terms;
    this.blockStarts = fastScan ? blockStarts(starts) : null;
  }

  private static int[] blockStarts(int[] starts) {
    int[] blocks = new int[starts.length];
    for (int l = 0; l + 1 < starts.length; l++) {
      blocks[l + 1] = blocks[l] + FastScan.blocks(starts[l + 1] - starts[l]);
    }
    return blocks;
  }

  private static long codeBytes(int[] starts, int count, int m, int nbits, boolean fastScan) {
    return fastScan ? blockStarts(starts)[starts.length - 1] * FastScan.blockBytes(m, nbits) : (long) count * m;
  }

  public static IvfPqIndex build(VectorStore source, long[] ids, Metric metric, Params params, int threads) {
    return build(source, ids, metric, params, threads, null);
  }

  /** As {@link #build(VectorStore, long[], Metric, Params, int)}, with the lists given when not null. */
  static IvfPqIndex build(VectorStore source, long[] ids, Metric metric, Params params, int threads,
      ListBuilder given) {
    Knobs.only(params, KIND + " build", PARAMS);
    int n = source.size();
    int dim = source.dimension();
    Rows.checkIds(ids, n);
    int m = Knobs.atLeast(params, "m", PqIndex.defaultM(dim), 1);
    int nbits = Knobs.atLeast(params, "nbits", 8, 1);
    boolean refine = Knobs.atLeast(params, "refine", 0, 0) > 0;
    int iterations = Knobs.atLeast(params, "pqIterations", ProductQuantizer.DEFAULT_ITERATIONS, 1);
    ProductQuantizer.checkShape(dim, m, nbits);
    boolean fastScan = PqIndex.fastScan(params, m, nbits);
    ListBuilder lists = given != null ? given : new ListBuilder(source, metric, params, threads);
    ProductQuantizer pq = ProductQuantizer.train(residualSample(lists, metric, threads), lists.sampleCount, dim, m,
        nbits, iterations, ListBuilder.SEED, threads);
    Arena arena = Arena.ofShared();
    try {
      MemorySegment exact = refine ? arena.allocate(Math.max(1, source.byteSize()), 64) : null;
      byte[] all = encode(lists, pq, exact, threads);
      MemorySegment terms = metric == Metric.L2 ? distanceTerms(lists, pq, all, arena) : null;
      MemorySegment codes = arena.allocate(Math.max(1, codeBytes(lists.starts, n, m, nbits, fastScan)), 64);
      if (fastScan) {
        int[] blocks = blockStarts(lists.starts);
        for (int l = 0; l < lists.centroids.count(); l++) {
          FastScan.pack(all, lists.starts[l], lists.starts[l + 1] - lists.starts[l], m, nbits, codes,
              blocks[l] * FastScan.blockBytes(m, nbits));
        }
      } else {
        MemorySegment.copy(all, 0, codes, ValueLayout.JAVA_BYTE, 0, all.length);
      }
      return new IvfPqIndex(metric, n, Rows.ids(arena, ids, n), lists.centroids, lists.starts, lists.ordinals(arena),
          pq, codes, fastScan, terms, exact, arena);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** The k-means sample minus each point's closest centroid: what the codebooks must describe. */
  private static float[] residualSample(ListBuilder lists, Metric metric, int threads) {
    int n = lists.sampleCount;
    int dim = lists.centroids.dimension();
    float[] residuals = lists.sample.clone();
    int[] labels = new int[n];
    lists.centroids.assign(residuals, n, metric == Metric.L2, labels, new float[n], threads);
    float[] c = lists.centroids.rows();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        residuals[i * dim + j] -= c[labels[i] * dim + j];
      }
    }
    return residuals;
  }

  /** The codes of all items in position order, one byte per sub-quantizer; copies exact vectors when asked. */
  private static byte[] encode(ListBuilder lists, ProductQuantizer pq, MemorySegment exact, int threads) {
    int n = lists.order.length;
    int dim = pq.dimension();
    int chunk = Math.min(n, ListBuilder.CHUNK);
    float[] rows = new float[chunk * dim];
    byte[] code = new byte[chunk * pq.m()];
    byte[] all = new byte[n * pq.m()];
    for (int from = 0; from < n; from += chunk) {
      int c = Math.min(chunk, n - from);
      lists.gather(from, c, rows);
      if (exact != null) {
        MemorySegment.copy(rows, 0, exact, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) from * dim * Float.BYTES, c * dim);
      }
      lists.subtractCentroids(from, c, rows);
      pq.encode(rows, c, code, threads);
      System.arraycopy(code, 0, all, from * pq.m(), c * pq.m());
    }
    return all;
  }

  /** {@code |r'|^2 + 2 c.r'} per position, from the decoded residuals. */
  private static MemorySegment distanceTerms(ListBuilder lists, ProductQuantizer pq, byte[] codes, Arena arena) {
    int n = lists.order.length;
    int dim = pq.dimension();
    MemorySegment terms = arena.allocate(Math.max(1, (long) n * Float.BYTES), 64);
    float[] r = new float[dim];
    float[] c = lists.centroids.rows();
    for (int p = 0; p < n; p++) {
      pq.decode(codes, p * pq.m(), r);
      float term = VectorKernels.dot(r, r) + 2f * VectorKernels.dot(c, lists.listOf[p] * dim, r, 0, dim);
      terms.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, p, term);
    }
    return terms;
  }

  static IvfPqIndex open(IndexFile file) throws IOException {
    Header h = new Header(file);
    int m = (int) file.metaLong("m");
    int nbits = (int) file.metaLong("nbits");
    try {
      ProductQuantizer.checkShape(h.dim, m, nbits);
    } catch (IllegalArgumentException e) {
      throw new IOException(file.path() + ": " + e.getMessage(), e);
    }
    boolean fastScan = file.metadata().getOrDefault("fastscan", "0").equals("1");
    if (fastScan && (!FastScan.supports(nbits) || m > FastScan.MAX_M)) {
      throw new IOException(file.path() + ": fast-scan codes with nbits=" + nbits + ", m=" + m);
    }
    int[] starts = h.starts();
    long codeBytes = codeBytes(starts, h.count, m, nbits, fastScan);
    int books = (1 << nbits) * h.dim;
    long booksOff = h.layout.add((long) books * Float.BYTES);
    long codesOff = h.layout.add(codeBytes);
    long termsOff = h.metric == Metric.L2 ? h.layout.add((long) h.count * Float.BYTES) : -1;
    long exactOff = h.refine ? h.layout.add((long) h.count * h.dim * Float.BYTES) : -1;
    h.layout.check(file, KIND);
    ProductQuantizer pq = new ProductQuantizer(h.dim, m, nbits, Layout.readFloats(file.body(), booksOff, books));
    return new IvfPqIndex(h.metric, h.count, h.ids(), h.centroids(), starts, h.ordinals(), pq,
        h.slice(codesOff, codeBytes), fastScan, termsOff < 0 ? null : h.slice(termsOff, (long) h.count * Float.BYTES),
        exactOff < 0 ? null : h.slice(exactOff, (long) h.count * h.dim * Float.BYTES), file);
  }

  @Override
  public void write(Path path) throws IOException {
    checkOpen();
    var meta = metadata();
    meta.put("m", Integer.toString(pq.m()));
    meta.put("nbits", Integer.toString(pq.nbits()));
    meta.put("fastscan", blockStarts != null ? "1" : "0");
    IndexFile.write(path, meta, out -> {
      writeLists(out);
      Layout.writeFloats(out, pq.codebooks());
      Layout.writeSegment(out, codes, codes.byteSize());
      if (terms != null) {
        Layout.writeSegment(out, terms, (long) count * Float.BYTES);
      }
      if (refines()) {
        Layout.writeSegment(out, exact, (long) count * dim * Float.BYTES);
      }
    });
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

  /** The residual quantizer (immutable). */
  public ProductQuantizer quantizer() {
    return pq;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public long byteSize() {
    return listBytes() + codes.byteSize() + (long) pq.codebooks().length * Float.BYTES
        + (terms == null ? 0 : (long) count * Float.BYTES)
        + (exact == null ? 0 : (long) count * dim * Float.BYTES);
  }

  /** The list centroid plus the decoded residual, read from the list's fast-scan blocks when packed. */
  @Override
  protected void reconstruct(int position, float[] out) {
    int list = listAt(position);
    if (blockStarts != null) {
      FastScan.decode(codes, blockStarts[list] * FastScan.blockBytes(pq.m(), pq.nbits()), position - starts[list], pq,
          out);
    } else {
      pq.decode(codes, (long) position * pq.m(), out);
    }
    addCentroid(list, out);
  }

  @Override
  protected PqScratch newScratch() {
    return new PqScratch(this);
  }

  /** True when the codes are in the 4-bit fast-scan layout. */
  public boolean fastScan() {
    return blockStarts != null;
  }

  @Override
  protected void prepareQuery(PqScratch s) {
    pq.innerProductTable(s.query, s.table);
    if (blockStarts != null) {
      s.fast.quantize(s.table);
    }
  }

  @Override
  protected void scanList(PqScratch s, int list, float coarseRank) {
    int m = pq.m();
    long blockBytes = FastScan.blockBytes(m, pq.nbits());
    int end = starts[list + 1];
    for (int start = starts[list], block = blockStarts == null ? 0 : blockStarts[list]; start < end;
         start += BLOCK, block += BLOCK / FastScan.BLOCK) {
      int rows = Math.min(BLOCK, end - start);
      // For ip and cosine the list's coarse rank is a bias that the fast scan adds for free.
      if (blockStarts != null) {
        s.fast.scan(codes, block * blockBytes, FastScan.blocks(rows), l2 ? 0f : coarseRank, s.scores, 0);
      } else {
        MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, (long) start * m, s.codes, 0, rows * m);
        pq.scoreRows(s.table, s.codes, rows, l2 ? 0f : coarseRank, false, s.scores, 0);
      }
      if (l2) {
        toL2Rank(s.scores, rows, start, coarseRank - s.querySquaredNorm);
      }
      s.top.offerBlock(s.scores, 0, rows, start, s.accept);
    }
  }

  /**
   * From {@code q.r'} to {@code -|q - c - r'|^2 = 2 q.r' - term + (2 q.c - |c|^2 - |q|^2)}; the
   * bracket is {@code coarse}.
   */
  private void toL2Rank(float[] scores, int rows, int start, float coarse) {
    for (int i = 0; i < rows; i++) {
      scores[i] = 2f * scores[i] - terms.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, start + i) + coarse;
    }
  }

  /** Lookup tables and a block of codes. */
  static final class PqScratch extends IvfScratch {
    final float[] table;
    final byte[] codes;
    final FastScan.Tables fast;

    PqScratch(IvfPqIndex index) {
      super(index);
      table = new float[index.pq.tableSize()];
      codes = new byte[BLOCK * index.pq.m()];
      fast = index.fastScan() ? new FastScan.Tables(index.pq.m(), index.pq.nbits()) : null;
    }
  }
}

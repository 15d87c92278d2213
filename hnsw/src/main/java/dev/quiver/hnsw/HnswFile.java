package dev.quiver.hnsw;

import dev.quiver.engine.IndexFile;
import dev.quiver.engine.Metric;
import dev.quiver.pq.ScalarQuantizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of an HNSW index file, inside the engine's {@link IndexFile} container (which holds
 * the header, the checksum and the exact length). Every array starts on a 64-byte boundary, so
 * the mapped file is used as it is:
 *
 * <pre>
 * vectors     count x dimension float32
 * level0      count x (1 + slots0) int32     count, then neighbours
 * levels      count bytes
 * upperIndex  count int32                    first upper block of each node, -1 if none
 * upper       upperBlocks x (1 + M) int32
 * extras      count float32                  inner product on the L2 transform only
 * ids         count int64                    when the index has external ids
 * deleted     ceil(count / 64) int64         tombstone bits
 * sqMin       dimension float32              traverse=sq8 only: the SQ8 ranges,
 * sqStep      dimension float32
 * codes       count x dimension int8         the int8 rows of search walks (see {@link Codes}),
 * codeNorms   count float32                  and, for L2, the norms of their reconstructions
 * ordinals    count int32                    order=permuted only: each node's item ordinal,
 * nodes       count int32                    and each ordinal's node (see {@link Reorder})
 * </pre>
 *
 * The metadata holds what sizes these arrays and what the search needs: dimension, metric,
 * count, M, efConstruction, seed, slots0, upperBlocks, the entry point and its layer, the norm
 * bound of the inner-product transform, whether there are ids, traverse ({@code f32} or
 * {@code sq8}), order ({@code input} or {@code permuted}). All little-endian. Format 2 added the
 * codes after the tombstones, format 3 the ordinal maps of a renumbered graph after them; files
 * of formats 1 and 2 (which have neither) still open.
 */
final class HnswFile {
  private static final int ALIGN = 64;
  private static final int FORMAT = 3;

  private HnswFile() {}

  static void write(Path path, HnswIndex index, Graph g, int n, int upperBlocks) throws IOException {
    Graph.Shape s = g.shape();
    long entry = index.linker.entry();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("kind", HnswIndex.KIND);
    meta.put("hnswFormat", Integer.toString(FORMAT));
    meta.put("byteOrder", "little");
    meta.put("metric", index.metric().shortName());
    meta.put("dimension", Integer.toString(g.dim));
    meta.put("count", Integer.toString(n));
    meta.put("M", Integer.toString(g.m));
    meta.put("efConstruction", Integer.toString(index.config.efConstruction()));
    meta.put("seed", Long.toString(index.config.seed()));
    meta.put("slots0", Integer.toString(g.slots0));
    meta.put("upperBlocks", Integer.toString(upperBlocks));
    meta.put("entryNode", Integer.toString(entry < 0 ? -1 : Linker.entryNode(entry)));
    meta.put("entryLevel", Integer.toString(entry < 0 ? -1 : Linker.entryLevel(entry)));
    meta.put("ipGraph", index.config.ipTransform() ? "transform" : "raw");
    meta.put("maxNorm", Float.toString(index.maxNorm));
    meta.put("ids", g.ids == null ? "none" : "long");
    meta.put("deleted", Integer.toString(index.deleted.count()));
    meta.put("queryAwareLinks", Integer.toString(index.queryAwareLinks()));
    meta.put("traverse", g.codes == null ? "f32" : "sq8");
    meta.put("order", g.ordinals == null ? "input" : "permuted");
    long[] tombstones = index.deleted.snapshot(n);
    IndexFile.write(path, meta, out -> {
      out.write(g.vectors.asSlice(0, s.vectorBytes(n)));
      out.align(ALIGN);
      out.write(g.level0.asSlice(0, s.level0Bytes(n)));
      out.align(ALIGN);
      out.write(g.levels.asSlice(0, n));
      out.align(ALIGN);
      out.write(g.upperIndex.asSlice(0, (long) n * Integer.BYTES));
      out.align(ALIGN);
      out.write(g.upper.asSlice(0, s.upperBytes(upperBlocks)));
      out.align(ALIGN);
      if (g.extras != null) {
        out.write(g.extras.asSlice(0, (long) n * Float.BYTES));
        out.align(ALIGN);
      }
      if (g.ids != null) {
        out.write(g.ids.asSlice(0, (long) n * Long.BYTES));
        out.align(ALIGN);
      }
      for (long word : tombstones) {
        out.writeLong(word);
      }
      if (g.codes != null) {
        writeCodes(out, g.codes, n);
      }
      if (g.ordinals != null) {
        out.align(ALIGN);
        out.write(g.ordinals.asSlice(0, (long) n * Integer.BYTES));
        out.align(ALIGN);
        out.write(g.nodes.asSlice(0, (long) n * Integer.BYTES));
      }
    });
  }

  private static void writeCodes(IndexFile.BodyOutput out, Codes c, int n) throws IOException {
    out.align(ALIGN);
    for (float v : c.sq.min()) {
      out.writeFloat(v);
    }
    for (float v : c.sq.step()) {
      out.writeFloat(v);
    }
    out.align(ALIGN);
    out.write(c.rows.asSlice(0, (long) n * c.dim));
    if (c.norms != null) {
      out.align(ALIGN);
      out.write(c.norms.asSlice(0, (long) n * Float.BYTES));
    }
  }

  /** Opens a mapped file; the index owns {@code file} on success. */
  static HnswIndex open(IndexFile file) throws IOException {
    Path path = file.path();
    Map<String, String> meta = file.metadata();
    long format = file.metaLong("hnswFormat");
    if (format < 1 || format > FORMAT) {
      throw new IOException(path + ": hnsw body format " + meta.get("hnswFormat") + ", this build reads 1 to " + FORMAT);
    }
    String traverse = meta.getOrDefault("traverse", "f32");
    if (!traverse.equals("f32") && !traverse.equals("sq8")) {
      throw new IOException(path + ": unknown hnsw traverse=" + traverse + "; this build reads f32 and sq8");
    }
    boolean sq8 = traverse.equals("sq8");
    String order = meta.getOrDefault("order", "input");
    if (!order.equals("input") && !order.equals("permuted")) {
      throw new IOException(path + ": unknown hnsw order=" + order + "; this build reads input and permuted");
    }
    boolean permuted = order.equals("permuted");
    if (!"little".equals(meta.get("byteOrder")) || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IOException(path + ": hnsw files are little-endian and used in place; this platform is "
          + ByteOrder.nativeOrder() + ", the file says " + meta.get("byteOrder"));
    }
    Metric metric;
    try {
      metric = Metric.fromName(meta.getOrDefault("metric", "?"));
    } catch (IllegalArgumentException e) {
      throw new IOException(path + ": " + e.getMessage());
    }
    int dim = intMeta(file, "dimension", 1);
    int n = intMeta(file, "count", 0);
    int m = intMeta(file, "M", 2);
    int efConstruction = intMeta(file, "efConstruction", 1);
    int slots0 = intMeta(file, "slots0", 2 * m);
    int upperBlocks = intMeta(file, "upperBlocks", 0);
    int entryNode = (int) file.metaLong("entryNode");
    int entryLevel = (int) file.metaLong("entryLevel");
    boolean hasIds = "long".equals(meta.get("ids"));
    if (m > HnswConfig.MAX_M || (n > 0 && (entryNode < 0 || entryNode >= n || entryLevel < 0))) {
      throw new IOException(path + ": corrupt hnsw metadata: M=" + m + ", entry node " + entryNode + " at layer "
          + entryLevel + " of " + n + " nodes");
    }
    boolean transform = "transform".equals(meta.get("ipGraph"));
    Graph.Shape s = new Graph.Shape(dim, m, slots0, n, upperBlocks, Graph.mode(metric, transform), hasIds, permuted);
    MemorySegment body = file.body();
    Layout at = new Layout(s, n, upperBlocks, s.mode() == Graph.IP_TRANSFORM, sq8, permuted);
    if (body.byteSize() != at.end) {
      throw new IOException(path + ": hnsw body is " + body.byteSize() + " bytes, expected " + at.end + " for " + n
          + " vectors of dimension " + dim + ", M=" + m + ", " + upperBlocks + " upper blocks");
    }
    Graph g = Graph.view(s,
        body.asSlice(at.vectors, s.vectorBytes(n)),
        body.asSlice(at.level0, s.level0Bytes(n)),
        body.asSlice(at.levels, n),
        body.asSlice(at.upperIndex, (long) n * Integer.BYTES),
        body.asSlice(at.upper, s.upperBytes(upperBlocks)),
        at.extras < 0 ? null : body.asSlice(at.extras, (long) n * Float.BYTES),
        hasIds ? body.asSlice(at.ids, (long) n * Long.BYTES) : null,
        sq8 ? codes(path, body, at, s, n) : null,
        permuted ? body.asSlice(at.ordinals, (long) n * Integer.BYTES) : null,
        permuted ? body.asSlice(at.nodes, (long) n * Integer.BYTES) : null);
    long[] words = new long[(n + 63) >>> 6];
    MemorySegment.copy(body, Graph.LONG, at.deleted, words, 0, words.length);
    float maxNorm = Float.parseFloat(meta.getOrDefault("maxNorm", "0"));
    HnswConfig config = new HnswConfig(m, efConstruction, file.metaLong("seed"), transform, null, sq8, permuted);
    long entry = n == 0 ? -1 : Linker.pack(entryLevel, entryNode);
    HnswIndex index = new HnswIndex(metric, config, g, n, upperBlocks, entry, maxNorm, Tombstones.of(words), file);
    index.queryAwareLinks((int) file.metaLong("queryAwareLinks"));
    return index;
  }

  private static Codes codes(Path path, MemorySegment body, Layout at, Graph.Shape s, int n) throws IOException {
    int dim = s.dim();
    float[] min = new float[dim];
    float[] step = new float[dim];
    MemorySegment.copy(body, Graph.FLOAT, at.sqMin, min, 0, dim);
    MemorySegment.copy(body, Graph.FLOAT, at.sqMin + (long) dim * Float.BYTES, step, 0, dim);
    ScalarQuantizer sq;
    try {
      sq = new ScalarQuantizer(min, step);
    } catch (IllegalArgumentException e) {
      throw new IOException(path + ": corrupt hnsw codes: " + e.getMessage());
    }
    return new Codes(sq, body.asSlice(at.codes, (long) n * dim),
        at.codeNorms < 0 ? null : body.asSlice(at.codeNorms, (long) n * Float.BYTES));
  }

  private static int intMeta(IndexFile file, String key, int min) throws IOException {
    long v = file.metaLong(key);
    if (v < min || v > Integer.MAX_VALUE) {
      throw new IOException(file.path() + ": corrupt hnsw metadata " + key + "=" + v);
    }
    return (int) v;
  }

  /** Offsets of the body's arrays, as {@link #write} lays them out. */
  private static final class Layout {
    final long vectors;
    final long level0;
    final long levels;
    final long upperIndex;
    final long upper;
    final long extras;
    final long ids;
    final long deleted;
    final long sqMin;
    final long codes;
    final long codeNorms;
    final long ordinals;
    final long nodes;
    final long end;

    Layout(Graph.Shape s, int n, int upperBlocks, boolean withExtras, boolean withCodes, boolean permuted) {
      vectors = 0;
      level0 = align(vectors + s.vectorBytes(n));
      levels = align(level0 + s.level0Bytes(n));
      upperIndex = align(levels + n);
      upper = align(upperIndex + (long) n * Integer.BYTES);
      long next = align(upper + s.upperBytes(upperBlocks));
      extras = withExtras ? next : -1;
      next = withExtras ? align(next + (long) n * Float.BYTES) : next;
      ids = s.hasIds() ? next : -1;
      next = s.hasIds() ? align(next + (long) n * Long.BYTES) : next;
      deleted = next;
      next = deleted + ((n + 63L) >>> 6) * Long.BYTES;
      if (withCodes) {
        sqMin = align(next);
        codes = align(sqMin + 2L * s.dim() * Float.BYTES);
        next = codes + (long) n * s.dim();
        codeNorms = s.mode() == Graph.L2 ? align(next) : -1;
        next = codeNorms < 0 ? next : codeNorms + (long) n * Float.BYTES;
      } else {
        sqMin = codes = codeNorms = -1;
      }
      if (permuted) {
        ordinals = align(next);
        nodes = align(ordinals + (long) n * Integer.BYTES);
        next = nodes + (long) n * Integer.BYTES;
      } else {
        ordinals = nodes = -1;
      }
      end = next;
    }

    private static long align(long offset) {
      return (offset + ALIGN - 1) & -ALIGN;
    }
  }
}

package dev.quiver.bench.peers;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.FixedBitSet;

/**
 * Apache Lucene's HNSW ({@code Lucene99HnswVectorsFormat}, the default vector format of Lucene 10)
 * in the sweep's JVM: one document per base row, in row order, written as one segment (a large
 * indexing buffer, then a merge to one segment should there be several), so that document ids
 * are row ordinals and the graph is one graph like the others'. M and efConstruction (Lucene's
 * beam width) come from the sweep's build parameters (else 16 and 100). A search is a
 * {@link KnnFloatVectorQuery} for {@code max(k, efSearch)} documents of which the best k are kept,
 * as Lucene's own benchmark widens its beam; a filter is an {@link AllowedDocsQuery}, which
 * Lucene walks with, or, when it finds the filter too selective, scores exactly. Inner product is
 * {@code MAXIMUM_INNER_PRODUCT}, whose scores rank as the inner product does. One query per call
 * on one thread only.
 */
public final class LucenePeer implements Peer {
  private static final String FIELD = "v";

  @Override
  public String name() {
    return "lucene";
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.empty();
  }

  @Override
  public List<PeerResult> run(PeerRequest r, Consumer<String> log) throws IOException {
    if (r.threads() != 1 || r.batch() != 0) {
      throw new IOException("lucene peer runs one query per call on one thread, not --threads " + r.threads()
          + " --batch " + r.batch());
    }
    Files.createDirectories(r.workDir());
    Path indexDir = r.workDir().resolve("index");
    clear(indexDir);
    int m = r.build().intValue("M", 16);
    int beam = r.build().intValue("efConstruction", 100);
    float[][] queries = rows(r.query(), r.queries());
    String build = "M=" + m + ",efConstruction=" + beam;
    List<PeerResult> results = new ArrayList<>();
    try (Directory dir = FSDirectory.open(indexDir)) {
      long t0 = System.nanoTime();
      int rows = index(dir, r, m, beam);
      double buildSeconds = (System.nanoTime() - t0) / 1e9;
      long bytes = bytes(indexDir);
      log.accept(String.format("Lucene %s: built HNSW %s over %,d rows in %.2f s on 1 thread, one segment",
          org.apache.lucene.util.Version.LATEST, build, rows, buildSeconds));
      try (DirectoryReader reader = DirectoryReader.open(dir)) {
        if (reader.leaves().size() != 1) {
          throw new IOException("lucene index has " + reader.leaves().size() + " segments, expected one");
        }
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setQueryCache(null);
        Runner runner = new Runner(searcher, queries, r.k(), r.warmupSeconds());
        runner.sweep(r, null, "", build, buildSeconds, bytes, results);
        for (AllowedSet f : r.filters()) {
          runner.sweep(r, new AllowedDocsQuery(allowed(f, rows)), f.label(), build, buildSeconds, bytes, results);
        }
      }
    }
    return results;
  }

  private static int index(Directory dir, PeerRequest r, int m, int beam) throws IOException {
    IndexWriterConfig config = new IndexWriterConfig()
        .setCodec(new Lucene103Codec() {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return new Lucene99HnswVectorsFormat(m, beam);
          }
        })
        .setRAMBufferSizeMB(IndexWriterConfig.DEFAULT_RAM_PER_THREAD_HARD_LIMIT_MB - 1)
        .setMaxBufferedDocs(IndexWriterConfig.DISABLE_AUTO_FLUSH)
        .setUseCompoundFile(false);
    VectorSimilarityFunction similarity = similarity(r.metric());
    try (VectorStore base = VectorFiles.readFloats(r.base()); IndexWriter writer = new IndexWriter(dir, config)) {
      float[] row = new float[base.dimension()];
      for (int i = 0; i < base.size(); i++) {
        base.get(i, row);
        Document doc = new Document();
        doc.add(new KnnFloatVectorField(FIELD, r.metric() == Metric.COSINE ? unit(row) : row.clone(), similarity));
        writer.addDocument(doc);
      }
      writer.forceMerge(1);
      writer.commit();
      return base.size();
    }
  }

  static VectorSimilarityFunction similarity(Metric metric) {
    return switch (metric) {
      case INNER_PRODUCT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
      case COSINE -> VectorSimilarityFunction.COSINE;
      case L2 -> VectorSimilarityFunction.EUCLIDEAN;
    };
  }

  /** Times every setting, after a warm-up with the first, with {@code filter} (null: none). */
  private record Runner(IndexSearcher searcher, float[][] queries, int k, double warmupSeconds) {
    void sweep(PeerRequest r, Query filter, String label, String build, double buildSeconds, long bytes,
               List<PeerResult> results) throws IOException {
      List<Params> settings = r.search();
      int[][] ids = new int[queries.length][k];
      long[] latencies = new long[queries.length];
      long deadline = System.nanoTime() + (long) (warmupSeconds * 1e9);
      int warmEf = settings.getFirst().intValue("efSearch", k);
      while (System.nanoTime() < deadline) {
        for (int q = 0; q < queries.length && System.nanoTime() < deadline; q++) {
          search(q, warmEf, filter, ids[q]);
        }
      }
      for (int s = 0; s < settings.size(); s++) {
        int ef = settings.get(s).intValue("efSearch", k);
        long start = System.nanoTime();
        for (int q = 0; q < queries.length; q++) {
          long t0 = System.nanoTime();
          search(q, ef, filter, ids[q]);
          latencies[q] = System.nanoTime() - t0;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        Path stem = r.workDir().resolve("lucene-hnsw-" + (label.isEmpty() ? "" : "f" + label + "-") + s);
        Path idFile = stem.resolveSibling(stem.getFileName() + ".ivecs");
        Path latFile = stem.resolveSibling(stem.getFileName() + ".lat");
        VectorFiles.writeInts(idFile, ids);
        writeLongs(latFile, latencies);
        results.add(new PeerResult("lucene-hnsw", build, "efSearch=" + ef, buildSeconds, bytes, queries.length, wall,
            idFile, latFile, label));
      }
    }

    private void search(int q, int ef, Query filter, int[] out) throws IOException {
      ScoreDoc[] hits = searcher.search(new KnnFloatVectorQuery(FIELD, queries[q], Math.max(k, ef), filter), k)
          .scoreDocs;
      Arrays.fill(out, -1);
      for (int i = 0; i < hits.length && i < k; i++) {
        out[i] = hits[i].doc;
      }
    }
  }

  private static FixedBitSet allowed(AllowedSet f, int rows) throws IOException {
    byte[] bytes = Files.readAllBytes(f.file());
    if (bytes.length != rows) {
      throw new IOException(f.file() + ": " + bytes.length + " bytes, expected one per base row (" + rows + ")");
    }
    FixedBitSet bits = new FixedBitSet(rows);
    for (int i = 0; i < rows; i++) {
      if (bytes[i] != 0) {
        bits.set(i);
      }
    }
    return bits;
  }

  private static float[][] rows(Path file, int limit) throws IOException {
    try (VectorStore store = VectorFiles.readFloats(file, limit)) {
      float[][] rows = new float[store.size()][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = store.get(i);
      }
      return rows;
    }
  }

  private static float[] unit(float[] row) {
    double sq = 0;
    for (float x : row) {
      sq += (double) x * x;
    }
    float inv = sq > 0 ? (float) (1 / Math.sqrt(sq)) : 1f;
    float[] out = new float[row.length];
    for (int i = 0; i < row.length; i++) {
      out[i] = row[i] * inv;
    }
    return out;
  }

  private static void writeLongs(Path file, long[] values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    Files.write(file, b.array());
  }

  private static long bytes(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      long total = 0;
      for (Path p : files.toList()) {
        total += Files.size(p);
      }
      return total;
    }
  }

  private static void clear(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
    }
  }
}

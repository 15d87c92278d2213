package dev.quiver.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quiver.tools.Fixtures;
import dev.quiver.tools.TwoTowerDataset;
import dev.quiver.bench.sweep.Sweep;
import dev.quiver.bench.sweep.SweepConfig;
import dev.quiver.tools.sweep.SweepRow;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.Recall;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peers on a tiny set, when installed; skipped (not failed) where they are not. */
class PeersEndToEndTest {
  private static final int K = 10;

  @TempDir
  static Path dir;
  private static TwoTowerDataset data;

  @BeforeAll
  static void data() throws IOException {
    data = Fixtures.written(dir, 2000, 16, 50, 9);
  }

  @Test
  void sweepWithBothPeersScoresTheirRows() throws IOException {
    assumeInstalled(new FaissPeer());
    assumeInstalled(new HnswlibPeer());
    StringWriter log = new StringWriter();
    List<SweepRow> rows = Sweep.run(config("flat", Params.DEFAULT, List.of(Params.DEFAULT), List.of("faiss", "hnswlib"),
        dir.resolve("out")), new PrintWriter(log, true));
    assertEquals(1.0, only(rows, "quiver-flat").recall());
    SweepRow faiss = only(rows, "faiss-flat");
    assertEquals(1.0, faiss.recall());
    assertEquals(2000L * 16 * 4, faiss.indexBytes(), 1024, "a flat index is its vectors plus a header");
    List<SweepRow> hnsw = rows.stream().filter(r -> r.index().equals("hnswlib-hnsw")).toList();
    assertEquals(HnswlibPeer.EF_LADDER.size(), hnsw.size());
    assertEquals("M=16,efConstruction=200", hnsw.getFirst().buildParams());
    assertTrue(hnsw.getLast().recall() >= 0.99, "efSearch=640 over 2000 items: " + hnsw.getLast().recall());
    assertTrue(hnsw.getLast().recall() >= hnsw.getFirst().recall());
    assertTrue(log.toString().contains("[faiss] faiss "), "the peer reports its version and BLAS: " + log);
  }

  @Test
  void filteredSweepScoresEveryIndexAgainstTheAllowedRows() throws IOException {
    assumeInstalled(new HnswlibPeer());
    List<Double> fractions = List.of(0.5, 0.02);
    SweepConfig c = new SweepConfig("hnsw", Metric.INNER_PRODUCT, dir.resolve(TwoTowerDataset.BASE),
        dir.resolve(TwoTowerDataset.USER_QUERIES), null, K, 0, 1, 0, 0, Params.parse("M=12,efConstruction=100"),
        List.of(Params.parse("efSearch=10"), Params.parse("efSearch=300")), null, List.of("hnswlib", "lucene"),
        dir.resolve("filtered"), 0, false, fractions);
    List<SweepRow> rows = Sweep.run(c, new PrintWriter(new StringWriter(), true));
    for (String index : List.of("quiver-hnsw", "hnswlib-hnsw", "lucene-hnsw")) {
      for (String suffix : List.of("", " filter=0.5", " filter=0.02")) {
        List<SweepRow> series = rows.stream().filter(r -> r.index().equals(index + suffix)).toList();
        assertEquals(2, series.size(), index + suffix + " in " + rows);
        assertTrue(series.getLast().recall() >= 0.97, index + suffix + " at efSearch=300: " + series.getLast());
      }
    }
  }

  @Test
  void faissMapsHnswAndTakesEfSearch() throws IOException {
    FaissPeer faiss = new FaissPeer();
    assumeInstalled(faiss);
    List<PeerResult> results = faiss.run(request("hnsw", Params.parse("M=12,efConstruction=100"),
        List.of(Params.parse("efSearch=16"), Params.parse("efSearch=256"))), line -> { });
    assertEquals(2, results.size());
    assertEquals("faiss-hnsw", results.getFirst().index());
    assertEquals("M=12,efConstruction=100", results.getFirst().buildParams());
    assertEquals("efSearch=256", results.getLast().searchParams());
    int[][] gt = Fixtures.bruteForce(data.base(), data.userQueries(), Metric.INNER_PRODUCT, K);
    double low = Recall.atK(gt, results.getFirst().readIds(), K);
    double high = Recall.atK(gt, results.getLast().readIds(), K);
    assertTrue(high >= 0.99 && high >= low, "efSearch 16: " + low + ", 256: " + high);
  }

  @Test
  void faissRefusesAKindItCannotMap() {
    FaissPeer faiss = new FaissPeer();
    assumeInstalled(faiss);
    IOException e = assertThrows(IOException.class,
        () -> faiss.run(request("no-such-kind", Params.DEFAULT, List.of(Params.DEFAULT)), line -> { }));
    assertTrue(e.getMessage().contains("no counterpart for index kind 'no-such-kind'"), e.getMessage());
  }

  @Test
  void hnswlibRunsBatchesAndThreads() throws IOException {
    HnswlibPeer hnswlib = new HnswlibPeer();
    assumeInstalled(hnswlib);
    PeerRequest r = new PeerRequest("hnsw", Metric.COSINE, dir.resolve(TwoTowerDataset.BASE),
        dir.resolve(TwoTowerDataset.USER_QUERIES), K, 50, 2, 2, 16, Params.DEFAULT, List.of(Params.parse("efSearch=400")),
        0, dir.resolve("hnswlib-batch"));
    List<PeerResult> results = hnswlib.run(r, line -> { });
    int[][] gt = Fixtures.bruteForce(data.base(), data.userQueries(), Metric.COSINE, K);
    assertTrue(Recall.atK(gt, results.getFirst().readIds(), K) >= 0.99);
    assertEquals(50, results.getFirst().readLatencies().getTotalCount());
  }

  private static PeerRequest request(String kind, Params build, List<Params> search) {
    return new PeerRequest(kind, Metric.INNER_PRODUCT, dir.resolve(TwoTowerDataset.BASE),
        dir.resolve(TwoTowerDataset.USER_QUERIES), K, 50, 1, 1, 0, build, search, 0, dir.resolve("peer-" + kind));
  }

  private static SweepConfig config(String kind, Params build, List<Params> search, List<String> peers, Path out) {
    return new SweepConfig(kind, Metric.INNER_PRODUCT, dir.resolve(TwoTowerDataset.BASE),
        dir.resolve(TwoTowerDataset.USER_QUERIES), null, K, 0, 1, 0, 0, build, search, null, peers, out, 0, false);
  }

  private static SweepRow only(List<SweepRow> rows, String index) {
    List<SweepRow> match = rows.stream().filter(r -> r.index().equals(index)).toList();
    assertEquals(1, match.size(), index + " rows in " + rows);
    return match.getFirst();
  }

  private static void assumeInstalled(Peer peer) {
    assumeTrue(peer.unavailable().isEmpty(), () -> peer.name() + " peer: " + peer.unavailable().orElse(""));
  }
}

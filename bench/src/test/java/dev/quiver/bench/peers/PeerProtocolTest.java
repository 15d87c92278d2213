package dev.quiver.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.Params;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerProtocolTest {
  private static final String LINE = "RESULT\tindex=hnswlib-hnsw\tbuild_params=M=16,efConstruction=200"
      + "\tsearch_params=efSearch=40\tbuild_s=2.5\tindex_bytes=123456\tqueries=3\twall_s=0.001"
      + "\tids=/tmp/a b.ivecs\tlatencies=/tmp/a.lat";

  @Test
  void parsesAResultLine() throws IOException {
    PeerResult r = PeerProtocol.parse(LINE);
    assertEquals(new PeerResult("hnswlib-hnsw", "M=16,efConstruction=200", "efSearch=40", 2.5, 123456, 3, 0.001,
        Path.of("/tmp/a b.ivecs"), Path.of("/tmp/a.lat")), r);
  }

  @Test
  void aFilteredResultNamesItsFilter() throws IOException {
    assertEquals("", PeerProtocol.parse(LINE).filter());
    assertEquals("0.01", PeerProtocol.parse(LINE + "\tfilter=0.01").filter());
  }

  @Test
  void rejectsMissingAndMalformedFields() {
    IOException missing = assertThrows(IOException.class,
        () -> PeerProtocol.parse(LINE.replace("\twall_s=0.001", "")));
    assertTrue(missing.getMessage().contains("lacks wall_s"), missing.getMessage());
    IOException number = assertThrows(IOException.class,
        () -> PeerProtocol.parse(LINE.replace("queries=3", "queries=three")));
    assertTrue(number.getMessage().contains("malformed number"), number.getMessage());
  }

  @Test
  void runCollectsResultsAndPassesOtherLinesOn() throws IOException {
    List<String> log = new ArrayList<>();
    List<PeerResult> results = PeerProtocol.run(new ProcessBuilder("sh", "-c",
        "echo 'peer 1.0 ready'; printf '" + LINE.replace("\t", "\\t") + "\\n'; echo done"), "fake", log::add);
    assertEquals(1, results.size());
    assertEquals("efSearch=40", results.getFirst().searchParams());
    assertEquals(List.of("peer 1.0 ready", "done"), log);
  }

  @Test
  void failureReportsThePeersErrorLine() {
    IOException e = assertThrows(IOException.class, () -> PeerProtocol.run(new ProcessBuilder("sh", "-c",
        "echo working; echo 'error: no counterpart for kind x'; echo trailing; exit 3"), "fake", line -> { }));
    assertEquals("fake peer failed (exit 3): no counterpart for kind x", e.getMessage());
  }

  @Test
  void readsIdsAndLatencies(@TempDir Path dir) throws IOException {
    Path ids = dir.resolve("ids.ivecs");
    dev.quiver.engine.io.VectorFiles.writeInts(ids, new int[][] {{3, 1}, {2, -1}});
    Path lat = dir.resolve("lat");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1500).putLong(250_000);
    Files.write(lat, b.array());
    PeerResult r = new PeerResult("x", "", "", 0, -1, 2, 1, ids, lat);
    long[][] read = r.readIds();
    assertEquals(3, read[0][0]);
    assertEquals(-1, read[1][1]);
    Histogram h = r.readLatencies();
    assertEquals(2, h.getTotalCount());
    assertEquals(250_000, h.getMaxValue(), 250_000 * 1e-3);
    PeerResult wrongCount = new PeerResult("x", "", "", 0, -1, 3, 1, ids, lat);
    assertThrows(IOException.class, wrongCount::readIds);
    assertThrows(IOException.class, wrongCount::readLatencies);
  }

  @Test
  void hnswlibTakesEfSearchFromTheSettingsOrTheLadder() {
    assertEquals("10,20,40,80,160,320,640", HnswlibPeer.efList(List.of(Params.DEFAULT)));
    assertEquals("10,20,40,80,160,320,640", HnswlibPeer.efList(List.of(Params.parse("nprobe=4"))));
    assertEquals("16,64", HnswlibPeer.efList(List.of(Params.parse("efSearch=16"), Params.parse("efSearch=64"))));
  }

  @Test
  void unknownPeerNamesTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Peers.forName("annoy"));
    assertEquals("unknown peer 'annoy'; known peers: faiss, hnswlib, lucene", e.getMessage());
  }

  @Test
  void missingPythonIsReportedInOneLine() {
    String why = new FaissPeer("/nonexistent/python3").unavailable().orElseThrow();
    assertTrue(why.startsWith("no Python at /nonexistent/python3"), why);
  }
}

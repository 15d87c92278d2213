package dev.quiver.tools.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsCsvTest {
  private static final List<SweepRow> ROWS = List.of(
      new SweepRow("quiver-flat", "", "", 10, 1.0, 1234.5, 800.25, 950.5, 0.125, 5_120_000, 1, 0, 500, "ip",
          "base.fvecs", "query.fvecs", 1),
      new SweepRow("hnswlib-hnsw", "M=16,efConstruction=200", "efSearch=40", 10, 0.98765, 45678.9, 21.5, 80.75,
          2.5, 8_000_123, 2, 100, 500, "cosine", "my \"base\".fvecs", "q,1.fvecs", 2));

  @Test
  void headerIsTheContract(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("results.csv");
    ResultsCsv.write(csv, ROWS);
    List<String> lines = Files.readAllLines(csv);
    assertEquals("index,build_params,search_params,k,recall,qps,p50_us,p99_us,build_s,index_bytes,"
        + "threads,batch,queries,metric,base,query,build_threads", lines.getFirst());
    assertEquals(3, lines.size());
    assertTrue(lines.get(2).startsWith("hnswlib-hnsw,\"M=16,efConstruction=200\",efSearch=40,10,0.98765,"),
        lines.get(2));
  }

  @Test
  void rowsReadBackAsWritten(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("results.csv");
    ResultsCsv.write(csv, ROWS);
    assertEquals(ROWS, ResultsCsv.read(csv));
  }

  @Test
  void foreignFileIsRejected(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("other.csv");
    Files.writeString(csv, "a,b\n1,2\n");
    IOException e = assertThrows(IOException.class, () -> ResultsCsv.read(csv));
    assertTrue(e.getMessage().contains("other.csv"), e.getMessage());
  }
}

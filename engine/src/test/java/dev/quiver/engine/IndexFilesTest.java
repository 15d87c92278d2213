package dev.quiver.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index container and the flat kind through the SPI: round trips and refused files. */
class IndexFilesTest {
  @TempDir Path dir;

  @Test
  void flatRoundTripGivesIdenticalResults() throws IOException {
    Random rnd = new Random(11);
    float[][] base = Fixtures.randomVectors(rnd, 300, 13);
    long[] ids = Fixtures.distinctIds(rnd, 300);
    for (Metric metric : Metric.values()) {
      Path file = dir.resolve("flat-" + metric.shortName() + ".qvi");
      try (VectorStore store = Fixtures.store(base);
           VectorIndex built = IndexFormats.forKind("flat").build(store, ids, metric, Params.DEFAULT, 1)) {
        built.write(file);
        try (VectorIndex opened = IndexFormats.open(file)) {
          assertEquals("flat", opened.kind());
          assertEquals(metric, opened.metric());
          assertEquals(300, opened.size());
          assertEquals(13, opened.dimension());
          for (int q = 0; q < 5; q++) {
            float[] query = Fixtures.randomVectors(rnd, 1, 13)[0];
            SearchResults a = built.search(query, 10);
            SearchResults b = opened.search(query, 10);
            assertEquals(java.util.Arrays.toString(a.ids()), java.util.Arrays.toString(b.ids()));
            assertEquals(java.util.Arrays.toString(a.scores()), java.util.Arrays.toString(b.scores()));
          }
        }
      }
    }
  }

  @Test
  void kindsListsFlat() {
    assertTrue(IndexFormats.kinds().contains("flat"));
    var e = assertThrows(IllegalArgumentException.class, () -> IndexFormats.forKind("nope"));
    assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("flat"), e.getMessage());
  }

  @Test
  void corruptTruncatedAndForeignFilesAreRefused() throws IOException {
    Path file = dir.resolve("x.qvi");
    try (VectorStore store = Fixtures.store(Fixtures.randomVectors(new Random(1), 100, 8));
         VectorIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      index.write(file);
    }
    Path flipped = copy(file, "flipped.qvi");
    try (RandomAccessFile raf = new RandomAccessFile(flipped.toFile(), "rw")) {
      raf.seek(IndexFile.HEADER_BYTES + 100);
      int b = raf.read();
      raf.seek(IndexFile.HEADER_BYTES + 100);
      raf.write(b ^ 0x40);
    }
    assertMessage(flipped, "checksum mismatch");

    Path truncated = copy(file, "truncated.qvi");
    try (RandomAccessFile raf = new RandomAccessFile(truncated.toFile(), "rw")) {
      raf.setLength(raf.length() - 4);
    }
    assertMessage(truncated, "truncated");

    Path tiny = dir.resolve("tiny.qvi");
    Files.write(tiny, new byte[100]);
    assertMessage(tiny, "truncated index file: 100 bytes");

    Path foreign = dir.resolve("foreign.qvi");
    Files.write(foreign, new byte[5000]);
    assertMessage(foreign, "not a Quiver index file");

    Path unknown = dir.resolve("unknown.qvi");
    IndexFile.write(unknown, Map.of("kind", "martian"), out -> out.writeLong(42));
    assertMessage(unknown, "index kind 'martian' is not available");
  }

  private Path copy(Path file, String name) throws IOException {
    return Files.copy(file, dir.resolve(name));
  }

  private static void assertMessage(Path file, String fragment) {
    IOException e = assertThrows(IOException.class, () -> IndexFormats.open(file).close());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
  }
}

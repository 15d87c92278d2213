package dev.quiver.tower;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The models, requests and PyTorch outputs written by tower-runtime/python/export_tower.py. */
final class Fixtures {
  private Fixtures() {}

  static Path dir(String variant) {
    try {
      return Path.of(Fixtures.class.getResource("/tower/" + variant + "/model.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path root() {
    return dir("basic").getParent();
  }

  /** PyTorch's output of {@code tower} for each request line, [rows, heads, dim] flattened. */
  static float[] expected(String variant, Tower tower, int rows) throws IOException {
    SafeTensors st = SafeTensors.open(dir(variant).resolve("expected.safetensors"));
    boolean oneDim = tower.width() == tower.heads() * tower.headDim(0);
    // PyTorch stacks heads of one dimension, [rows, heads, dim], and puts others side by side.
    long[] shape = oneDim ? new long[] {rows, tower.heads(), tower.headDim(0)} : new long[] {rows, tower.width()};
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = st.read(tower.name(), shape, arena);
      return s.toArray(ValueLayout.JAVA_FLOAT);
    }
  }

  /** A copy of a variant's model directory under {@code tmp}, to be spoiled by a test. */
  static Path copy(String variant, Path tmp) {
    try {
      Path to = Files.createTempDirectory(tmp, variant);
      try (Stream<Path> files = Files.list(dir(variant))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.quiver.serving.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * A stand-in for a two-tower model: its config names the dimension, its weights are mapped into
 * the snapshot's arena, and its "user tower" reads them, so a model used after its snapshot is
 * freed fails the way real mapped weights would.
 */
final class FakeModel implements AutoCloseable {
  static final ModelLoader<FakeModel> LOADER = new ModelLoader<>() {
    @Override
    public FakeModel load(Path modelDir, Arena arena) throws IOException {
      int dim = new ObjectMapper().readTree(modelDir.resolve("model.json").toFile()).get("dim").asInt();
      try (FileChannel ch = FileChannel.open(modelDir.resolve("model.safetensors"), StandardOpenOption.READ)) {
        return new FakeModel(dim, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
      }
    }

    @Override
    public int dimension(FakeModel model) {
      return model.dimension;
    }
  };

  final int dimension;
  private final MemorySegment weights;
  volatile boolean closed;

  private FakeModel(int dimension, MemorySegment weights) {
    this.dimension = dimension;
    this.weights = weights;
  }

  /** Writes a model directory: config with {@code dim}, random weights from {@code seed}. */
  static Path write(Path dir, int dim, long seed) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("model.json"), "{\"dim\": " + dim + ", \"seed\": " + seed + "}");
    byte[] weights = new byte[4096];
    new Random(seed).nextBytes(weights);
    Files.write(dir.resolve("model.safetensors"), weights);
    Files.writeString(dir.resolve("vocab.txt"), "a\nb\n");
    return dir;
  }

  /** The user vector of {@code user}: read from the mapped weights. */
  float[] user(long user) {
    float[] q = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      q[j] = weights.get(ValueLayout.JAVA_BYTE, Math.floorMod(user * 131 + j, weights.byteSize())) / 128f;
    }
    return q;
  }

  @Override
  public void close() {
    closed = true;
  }
}

package dev.quiver.bench.snapshot;

import dev.quiver.serving.snapshot.ModelLoader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The model of the snapshot benchmark: its weights file mapped into the snapshot's arena, as a
 * real model's are, and touched once; no inference (the benchmark's queries are user vectors
 * already). Immutable.
 */
public final class MappedModel implements AutoCloseable {
  /** Maps {@code model.safetensors} of a model directory. */
  public static final ModelLoader<MappedModel> LOADER = MappedModel::load;

  private final MemorySegment weights;

  private MappedModel(MemorySegment weights) {
    this.weights = weights;
  }

  private static MappedModel load(Path dir, Arena arena) throws IOException {
    try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.READ)) {
      MemorySegment w = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
      w.load();
      return new MappedModel(w);
    }
  }

  public long byteSize() {
    return weights.byteSize();
  }

  @Override
  public void close() {
    // The weights are unmapped with the snapshot's arena.
  }
}

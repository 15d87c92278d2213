package dev.quiver.cli;

import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Path;

/** Item vectors already computed, read from {@code .fvecs}, {@code .bvecs} or {@code .npy}. */
record PrecomputedItemVectors(Path file) implements ItemVectorSource {

  @Override
  public String describe() {
    return "precomputed vectors " + file;
  }

  @Override
  public VectorStore vectors() throws IOException {
    return VectorFiles.readFloats(file);
  }
}

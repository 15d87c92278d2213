package dev.quiver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.serving.snapshot.Manifest;
import dev.quiver.tower.ModelConfig;
import dev.quiver.tower.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every reader of a file a user or a snapshot hands the engine, fed arbitrary bytes: the only
 * failure allowed is the documented {@link IOException} naming the file; anything else (an
 * OutOfMemoryError from a declared size, an IndexOutOfBoundsException, an exception of another
 * kind) fails the test. {@code mvn verify} replays the committed seeds and findings under
 * {@code src/test/resources/dev/quiver/fuzz/ReaderFuzzTestInputs/<method>/}; fuzzing for longer
 * is README "Fuzzing". An index that opens with its checksum verified is also searched.
 */
class ReaderFuzzTest {
  private static final Path DIR = tempDir();

  private static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("quiver-fuzz");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code bytes} as a file of the given name, replaced on every call. */
  private static Path file(String name, byte[] bytes) {
    try {
      Path file = DIR.resolve(name);
      Files.write(file, bytes);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FunctionalInterface
  private interface Reader {
    void read(Path file) throws IOException;
  }

  /** Runs {@code reader} on {@code bytes}, accepting only an IOException as a refusal. */
  private static void refuseOnlyWithIoException(String name, byte[] bytes, Reader reader) {
    Path file = file(name, bytes);
    try {
      reader.read(file);
    } catch (IOException expected) {
      if (expected.getMessage() == null || !expected.getMessage().contains(file.toString())) {
        throw new AssertionError("the error does not name the file: " + expected, expected);
      }
    }
  }

  private static void readFloats(Path file) throws IOException {
    try (VectorStore store = VectorFiles.readFloats(file, 1 << 16)) {
      if (store.size() > 0) {
        store.get(store.size() - 1, new float[store.dimension()]);
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void fvecs(byte[] bytes) {
    refuseOnlyWithIoException("in.fvecs", bytes, ReaderFuzzTest::readFloats);
  }

  @FuzzTest(maxDuration = "30s")
  void bvecs(byte[] bytes) {
    refuseOnlyWithIoException("in.bvecs", bytes, ReaderFuzzTest::readFloats);
  }

  @FuzzTest(maxDuration = "30s")
  void ivecs(byte[] bytes) {
    refuseOnlyWithIoException("in.ivecs", bytes, VectorFiles::readInts);
  }

  @FuzzTest(maxDuration = "30s")
  void npy(byte[] bytes) {
    refuseOnlyWithIoException("in.npy", bytes, ReaderFuzzTest::readFloats);
    refuseOnlyWithIoException("in.npy", bytes, VectorFiles::readInts);
  }

  @FuzzTest(maxDuration = "30s")
  void safetensors(byte[] bytes) {
    refuseOnlyWithIoException("model.safetensors", bytes, file -> {
      SafeTensors tensors = SafeTensors.open(file);
      try (Arena arena = Arena.ofConfined()) {
        for (SafeTensors.Entry e : tensors.entries().values()) {
          tensors.read(e.name(), e.shape(), arena);
        }
      }
    });
  }

  @FuzzTest(maxDuration = "30s")
  void modelConfig(byte[] bytes) {
    refuseOnlyWithIoException("model.json", bytes, ModelConfig::read);
  }

  @FuzzTest(maxDuration = "30s")
  void manifest(byte[] bytes) {
    refuseOnlyWithIoException("manifest.json", bytes, Manifest::read);
  }

  /** Any index kind (the kind is in the file's header): opened with its checksum, then searched. */
  @FuzzTest(maxDuration = "30s")
  void indexFile(byte[] bytes) {
    refuseOnlyWithIoException("index.qvi", bytes, file -> {
      try (VectorIndex index = IndexFormats.open(file, true)) {
        float[] q = new float[index.dimension()];
        if (index.size() > 0) {
          index.vector(index.size() - 1, q);
        }
        SearchResults out = new SearchResults(10);
        index.search(q, 10, null, Params.DEFAULT, out);
      }
    });
  }

  /** Any index kind opened as a serving snapshot opens it before its checksum is verified: sizes only. */
  @FuzzTest(maxDuration = "30s")
  void indexFileSizesOnly(byte[] bytes) {
    refuseOnlyWithIoException("index.qvi", bytes, file -> IndexFormats.open(file, false).close());
  }
}

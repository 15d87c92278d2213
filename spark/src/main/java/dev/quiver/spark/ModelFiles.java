package dev.quiver.spark;

import dev.quiver.tower.ModelFingerprint;
import dev.quiver.tower.TowerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;

/**
 * Ships the model directory to the executors with Spark's own file distribution
 * ({@link SparkContext#addFile}) and loads it there once per executor JVM: every task of the job
 * shares one loaded model, as the threads of a service do. The shipped copy is named by the
 * model's fingerprint, so builds of different models in one application never mix them up.
 */
final class ModelFiles {
  /** Loaded models by shipped name, for the executor's lifetime (a model is read-only once loaded). */
  private static final Map<String, TowerModel> LOADED = new ConcurrentHashMap<>();
  /** Names already added to a context (by application id), which refuses a second add of a name. */
  private static final Map<String, Path> SHIPPED = new ConcurrentHashMap<>();

  private ModelFiles() {}

  /** Adds {@code modelDir} to the context's files; returns the name tasks {@link #load} it by. */
  static String ship(SparkContext sc, Path modelDir) throws IOException {
    String name = "quiver-model-" + ModelFingerprint.of(modelDir);
    Path copy = SHIPPED.computeIfAbsent(sc.applicationId() + "/" + name, k -> stage(modelDir, name));
    sc.addFile(copy.toString(), true);
    return name;
  }

  /** A copy under the shipped name (addFile names a directory by its last path element). */
  private static Path stage(Path modelDir, String name) {
    try {
      Path dir = Files.createTempDirectory("quiver-ship").resolve(name);
      Files.createDirectories(dir);
      try (var files = Files.list(modelDir)) {
        for (Path f : files.toList()) {
          Files.copy(f, dir.resolve(f.getFileName().toString()));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The model shipped as {@code name}, loaded on first use in this JVM. */
  static TowerModel load(String name) {
    return LOADED.computeIfAbsent(name, n -> {
      try {
        return TowerModel.load(Path.of(SparkFiles.get(n)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}

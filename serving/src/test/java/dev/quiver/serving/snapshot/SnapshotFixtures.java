package dev.quiver.serving.snapshot;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executor;

/** Small snapshots for tests: flat indexes of a few thousand random vectors, fake models. */
final class SnapshotFixtures {
  static final int DIM = 16;
  static final int N = 2000;
  static final int K = 10;
  /** Runs the reaper and the verifier on the calling thread, so tests see their effects at once. */
  static final Executor INLINE = Runnable::run;

  private SnapshotFixtures() {}

  /** Item vectors and distinct ids for one version. */
  record Items(float[][] vectors, long[] ids) {
    static Items random(long seed) {
      Random rnd = new Random(seed);
      float[][] v = new float[N][DIM];
      for (float[] row : v) {
        for (int j = 0; j < DIM; j++) {
          row[j] = (float) rnd.nextGaussian();
        }
      }
      long[] ids = new long[N];
      for (int i = 0; i < N; i++) {
        ids[i] = seed * 1_000_000 + 7L * i + 3;
      }
      return new Items(v, ids);
    }

    VectorStore store() {
      VectorStore store = VectorStore.allocate(DIM, vectors.length);
      for (float[] r : vectors) {
        store.add(r);
      }
      return store;
    }

    /** The answers of an in-memory flat index with the ids: what every snapshot of these items must give. */
    String expected(float[][] queries) {
      try (VectorStore store = store(); FlatIndex index = FlatIndex.build(store, ids, Metric.INNER_PRODUCT)) {
        StringBuilder sb = new StringBuilder();
        for (float[] q : queries) {
          SearchResults r = index.search(q, K);
          sb.append(Arrays.toString(r.ids())).append(Arrays.toString(r.scores())).append('\n');
        }
        return sb.toString();
      }
    }
  }

  static float[][] queries(long seed, int count) {
    Random rnd = new Random(seed);
    float[][] q = new float[count][DIM];
    for (float[] row : q) {
      for (int j = 0; j < DIM; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    return q;
  }

  /** The answers a lease gives to {@code queries}, as text for exact comparison. */
  static String answers(Lease<FakeModel> lease, float[][] queries) {
    StringBuilder sb = new StringBuilder();
    SearchResults r = new SearchResults(K);
    for (float[] q : queries) {
      lease.search(q, K, null, Params.DEFAULT, r);
      sb.append(Arrays.toString(r.ids())).append(Arrays.toString(r.scores())).append('\n');
    }
    return sb.toString();
  }

  /** Publishes {@code items} with a model of {@code modelSeed} (written under {@code work}). */
  static Manifest publish(SnapshotWriter writer, Path work, Items items, long modelSeed) throws IOException {
    Path model = FakeModel.write(work.resolve("model-" + modelSeed), DIM, modelSeed);
    try (VectorStore store = items.store();
         VectorIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      return writer.publish(SnapshotSource.of(model, index, Params.DEFAULT).withIds(items.ids()));
    }
  }

  static SnapshotLoader<FakeModel> loader() {
    return SnapshotLoader.of(FakeModel.LOADER).executors(INLINE, INLINE);
  }

  /** Copies a directory tree (a root frozen at a simulated crash). */
  static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

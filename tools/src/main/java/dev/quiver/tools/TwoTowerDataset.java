package dev.quiver.tools;

import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A generated data set shaped like the embeddings of a trained two-tower model, for benchmarks and
 * tests that must not flatter an index the way uniform random vectors do.
 *
 * <p>Items live on a low-dimensional manifold: an r-dimensional latent point (r ~ 8-16) drawn
 * from one of many clusters of Zipf-distributed sizes and log-normally varying spreads, mapped
 * into d dimensions by a linear map with a decaying spectrum, plus small isotropic noise, then
 * normalised. Item-like queries are more items from the same distribution, not in the base.
 *
 * <p>User vectors, the real queries, sit off that manifold as user towers' outputs do: a mix of a
 * few popular interest clusters (which lands between clusters), through a perturbed copy of the
 * map, plus a larger isotropic part, normalised. A graph index built over the items needs a
 * several times wider beam to reach the same recall on them. The {@code learn} set is more users,
 * disjoint from the queries.
 *
 * <p>Every row is a pure function of the spec (seed included) and its position, so a data set is
 * reproduced exactly whatever the thread count. Rows are unit-norm float32.
 */
public record TwoTowerDataset(DatasetSpec spec, float[][] base, float[][] userQueries,
                              float[][] itemQueries, float[][] learn) {

  /** File names written by {@link #write}. */
  public static final String BASE = "base.fvecs";
  public static final String USER_QUERIES = "query.fvecs";
  public static final String ITEM_QUERIES = "query-items.fvecs";
  public static final String LEARN = "learn.fvecs";

  private static final int BASE_STREAM = 1;
  private static final int ITEM_QUERY_STREAM = 2;
  private static final int USER_QUERY_STREAM = 3;
  private static final int LEARN_STREAM = 4;

  /** Generates the data set of {@code spec} on up to {@code threads} threads. */
  public static TwoTowerDataset generate(DatasetSpec spec, int threads, boolean showProgress) {
    TwoTowerModel model = new TwoTowerModel(spec);
    long total = (long) spec.n() + spec.userQueries() + spec.itemQueries() + spec.learn();
    try (Progress progress = Progress.start("generate", total, "rows", showProgress)) {
      float[][] base = items(model, spec, spec.n(), BASE_STREAM, threads, progress);
      float[][] items = items(model, spec, spec.itemQueries(), ITEM_QUERY_STREAM, threads, progress);
      float[][] users = users(model, spec, spec.userQueries(), USER_QUERY_STREAM, threads, progress);
      float[][] learn = users(model, spec, spec.learn(), LEARN_STREAM, threads, progress);
      return new TwoTowerDataset(spec, base, users, items, learn);
    }
  }

  /**
   * Writes {@link #BASE}, {@link #USER_QUERIES}, {@link #ITEM_QUERIES} and {@link #LEARN} into
   * {@code dir} (created if needed); empty sets are not written.
   */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    writeIfAny(dir.resolve(BASE), base);
    writeIfAny(dir.resolve(USER_QUERIES), userQueries);
    writeIfAny(dir.resolve(ITEM_QUERIES), itemQueries);
    writeIfAny(dir.resolve(LEARN), learn);
  }

  private static void writeIfAny(Path path, float[][] rows) throws IOException {
    if (rows.length > 0) {
      VectorFiles.writeFloats(path, rows);
    }
  }

  private static float[][] items(TwoTowerModel model, DatasetSpec spec, int count, int stream,
                                 int threads, Progress progress) {
    return Rows.draw(model, count, spec.dimension(), spec.seed(), stream, model::item, threads, progress);
  }

  private static float[][] users(TwoTowerModel model, DatasetSpec spec, int count, int stream,
                                 int threads, Progress progress) {
    return Rows.draw(model, count, spec.dimension(), spec.seed(), stream, model::user, threads, progress);
  }
}

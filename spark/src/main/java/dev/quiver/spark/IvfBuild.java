package dev.quiver.spark;

import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.ivf.IvfBuilds;
import dev.quiver.ivf.IvfQuantizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The IVF step ({@code ivf-flat}, {@code ivf-sq8}, {@code ivf-pq}): the driver gathers the
 * vectors in ordinal order (an inverted file is one file, written by one process), trains the
 * coarse quantizer on the build's seeded sample, and broadcasts it; the executors assign every
 * item to its list, the build's dominant cost ({@code n x nlist} dot products); the driver
 * assembles the lists in ordinal order within each list and encodes them. With the same seed the
 * lists are those of the single-machine build.
 */
final class IvfBuild {
  /** Rows assigned per kernel call in a task, as the single-machine build reads them. */
  private static final int CHUNK = 8192;

  private IvfBuild() {}

  static VectorIndex build(SparkSession spark, JavaPairRDD<Long, float[]> vectors, int n, int dim, String kind,
                           Metric metric, Params params) {
    int threads = Runtime.getRuntime().availableProcessors();
    try (VectorStore source = VectorStore.allocate(dim, n)) {
      vectors.values().toLocalIterator().forEachRemaining(source::add);
      IvfQuantizer quantizer = IvfQuantizer.train(source, metric, params, threads);
      Broadcast<IvfQuantizer> shared = spark.sparkContext().broadcast(quantizer,
          scala.reflect.ClassTag$.MODULE$.apply(IvfQuantizer.class));
      try {
        List<int[]> parts = vectors.values().mapPartitions(rows -> assign(shared.value(), rows, dim)).collect();
        return IvfBuilds.assemble(kind, source, quantizer, concat(parts, n), metric, params, threads);
      } finally {
        shared.destroy();
      }
    }
  }

  /** The list of each vector of one partition, in order. */
  private static Iterator<int[]> assign(IvfQuantizer quantizer, Iterator<float[]> rows, int dim) {
    List<int[]> chunks = new ArrayList<>();
    float[] chunk = new float[CHUNK * dim];
    int count = 0;
    while (rows.hasNext()) {
      System.arraycopy(rows.next(), 0, chunk, count * dim, dim);
      if (++count == CHUNK || !rows.hasNext()) {
        int[] labels = new int[count];
        quantizer.assign(chunk, count, labels, 1);
        chunks.add(labels);
        count = 0;
      }
    }
    return List.of(concat(chunks, chunks.stream().mapToInt(c -> c.length).sum())).iterator();
  }

  private static int[] concat(List<int[]> parts, int n) {
    int[] all = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    if (at != n) {
      throw new IllegalStateException(at + " list labels for " + n + " items");
    }
    return all;
  }
}

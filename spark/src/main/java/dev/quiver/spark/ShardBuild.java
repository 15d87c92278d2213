package dev.quiver.spark;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

/**
 * The {@code hnsw} and {@code flat} step: the items split into {@code S} shards of consecutive
 * ordinals, each shard built by one task into a complete index over its own items (ordinals
 * {@code 0..size-1}, as {@link dev.quiver.engine.ShardedIndex} reads them) with the same
 * {@link IndexFormats} build the single-machine build runs, and written into the
 * {@link Staging} directory. A task builds with as many threads as {@code spark.task.cpus}.
 */
final class ShardBuild {
  private ShardBuild() {}

  /** What a task reports: its shard and how many items it holds. */
  record Built(int shard, int count) implements Serializable {}

  /** Builds the shards of {@code vectors} (by global ordinal, {@code count} in all) into {@code staging}. */
  static List<Built> run(JavaPairRDD<Long, float[]> vectors, long count, int shards, Spec spec, Staging staging) {
    return vectors.repartitionAndSortWithinPartitions(new Ranges(count, shards))
        .mapPartitions(new Task(spec, staging))
        .collect();
  }

  /**
   * The index to build, as the task needs it: the item head whose vectors it holds, build
   * parameters as text ({@code k=v,...}), the query sample of a query-aware HNSW or null.
   */
  record Spec(int head, String kind, Metric metric, String params, float[][] querySample, int dim)
      implements Serializable {}

  /** Shard {@code s} holds ordinals {@code [s n / S, (s + 1) n / S)}: equal within one item. */
  static final class Ranges extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final long count;
    private final int shards;

    Ranges(long count, int shards) {
      this.count = count;
      this.shards = shards;
    }

    static long start(long count, int shards, int s) {
      return count * s / shards;
    }

    @Override
    public int numPartitions() {
      return shards;
    }

    @Override
    public int getPartition(Object key) {
      long ordinal = (Long) key;
      int s = (int) (ordinal * shards / count);
      // The division can land one shard high where the cuts round down; step back to the owner.
      while (s > 0 && start(count, shards, s) > ordinal) {
        s--;
      }
      while (s + 1 < shards && start(count, shards, s + 1) <= ordinal) {
        s++;
      }
      return s;
    }
  }

  private static final class Task implements FlatMapFunction<Iterator<Tuple2<Long, float[]>>, Built> {
    private static final long serialVersionUID = 1L;
    private final Spec spec;
    private final Staging staging;

    Task(Spec spec, Staging staging) {
      this.spec = spec;
      this.staging = staging;
    }

    @Override
    public Iterator<Built> call(Iterator<Tuple2<Long, float[]>> items) throws IOException {
      int shard = TaskContext.getPartitionId();
      Path local = Files.createTempFile("quiver-shard-" + shard + "-", ".qvi");
      Path sample = null;
      try (VectorStore store = VectorStore.allocate(spec.dim, 1024)) {
        while (items.hasNext()) {
          store.add(items.next()._2);
        }
        Params params = Params.parse(spec.params);
        if (spec.querySample != null) {
          sample = Files.createTempFile("quiver-user-sample", ".fvecs");
          VectorFiles.writeFloats(sample, spec.querySample);
          params = params.with("learn", sample.toString());
        }
        int threads = Math.max(1, TaskContext.get().cpus());
        try (VectorIndex index = IndexFormats.forKind(spec.kind).build(store, null, spec.metric, params, threads)) {
          index.write(local);
        }
        staging.put(local, spec.head, shard);
        return List.of(new Built(shard, store.size())).iterator();
      } finally {
        Files.deleteIfExists(local);
        if (sample != null) {
          Files.deleteIfExists(sample);
        }
      }
    }
  }
}

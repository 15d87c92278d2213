package dev.quiver.bench.jmh;

import dev.quiver.engine.IndexFormats;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchParams;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.Searcher;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One search through an explicit {@link Searcher}, per index kind, on 20,000 random items of 64
 * dimensions, k = 10. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes a single
 * search allocates, which should be zero. {@code viaParams} searches through the
 * {@code VectorIndex.search(..., Params, ...)} convenience path with one reused {@code Params}
 * object, which must allocate nothing either.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class SearcherBenchmark {
  private static final int N = 20_000;
  private static final int DIM = 64;
  private static final int QUERIES = 256;
  private static final int K = 10;

  /** The index kind, its build parameters and its search parameters, separated by '|'. */
  @Param({"flat||", "hnsw|M=16,efConstruction=100|efSearch=64", "ivf-flat|nlist=128|nprobe=8",
      "ivf-pq|nlist=128,m=32,nbits=4,refine=1|nprobe=8"})
  public String kind;

  private VectorStore items;
  private VectorIndex index;
  private Searcher searcher;
  private Params params;
  private SearchParams typed;
  private final SearchResults out = new SearchResults(K);
  private float[][] queries;
  private int next;

  @Setup
  public void setUp() {
    String[] spec = kind.split("\\|", -1);
    SplittableRandom rnd = new SplittableRandom(11);
    items = VectorStore.allocate(DIM, N);
    float[] row = new float[DIM];
    for (int i = 0; i < N; i++) {
      fill(rnd, row);
      items.add(row);
    }
    queries = new float[QUERIES][DIM];
    for (float[] q : queries) {
      fill(rnd, q);
    }
    index = IndexFormats.forKind(spec[0]).build(items, null, Metric.INNER_PRODUCT, Params.parse(spec[1]), 1);
    params = Params.parse(spec[2]);
    typed = index.searchParams(params);
    searcher = index.newSearcher();
  }

  private static void fill(SplittableRandom rnd, float[] row) {
    for (int j = 0; j < row.length; j++) {
      row[j] = (float) rnd.nextDouble(-1, 1);
    }
  }

  @TearDown
  public void tearDown() {
    searcher.close();
    index.close();
    items.close();
  }

  @Benchmark
  public SearchResults searcher() {
    searcher.search(queries[next++ & (QUERIES - 1)], K, null, typed, out);
    return out;
  }

  @Benchmark
  public SearchResults viaParams() {
    index.search(queries[next++ & (QUERIES - 1)], K, null, params, out);
    return out;
  }
}

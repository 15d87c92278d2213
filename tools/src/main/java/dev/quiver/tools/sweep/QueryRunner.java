package dev.quiver.tools.sweep;

import dev.quiver.engine.OrdinalFilter;
import dev.quiver.engine.Params;
import dev.quiver.engine.SearchResults;
import dev.quiver.engine.VectorIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Sends a query set through an index in one of three modes and times every query:
 *
 * <ul>
 *   <li>one thread, no batch: one {@code search} call per query, on the calling thread;
 *   <li>T threads, no batch: T threads each take the next query and call {@code search};
 *   <li>batch B: {@code searchBatch} over B queries at a time on T threads; each query of a batch
 *       is charged the batch time / B.
 * </ul>
 *
 * Everything a timed pass needs (results, batch slices) is allocated before the clock starts.
 * Not thread-safe; close it to stop its worker threads.
 */
public final class QueryRunner implements AutoCloseable {
  private final VectorIndex index;
  private final float[][] queries;
  private final int k;
  private final int threads;
  private final int batch;
  private final ExecutorService workers;
  private final float[][][] batches;
  private final SearchResults[][] batchResults;
  /** The filter of the current pass, and the same per query of a batch. */
  private OrdinalFilter filter;
  private final OrdinalFilter[] batchFilters;

  /** A runner of {@code queries} in the mode that {@code threads} and {@code batch} (0: none) select. */
  public QueryRunner(VectorIndex index, float[][] queries, int k, int threads, int batch) {
    this.index = index;
    this.queries = queries;
    this.k = k;
    this.threads = threads;
    this.batch = batch;
    this.workers = batch == 0 && threads > 1 ? Executors.newFixedThreadPool(threads) : null;
    int batchCount = batch == 0 ? 0 : (queries.length + batch - 1) / batch;
    batches = new float[batchCount][][];
    batchResults = new SearchResults[batchCount][];
    batchFilters = new OrdinalFilter[batch];
    for (int b = 0; b < batchCount; b++) {
      int from = b * batch;
      int to = Math.min(queries.length, from + batch);
      batches[b] = Arrays.copyOfRange(queries, from, to);
      batchResults[b] = new SearchResults[to - from];
      for (int i = 0; i < to - from; i++) {
        batchResults[b][i] = new SearchResults(k);
      }
    }
  }

  /** Filters the next passes by {@code filter}; null for none. */
  public void filter(OrdinalFilter filter) {
    this.filter = filter;
    Arrays.fill(batchFilters, filter);
  }

  /** Searches repeatedly for about {@code seconds} (at least one query), results discarded. */
  public void warmUp(Params params, double seconds) {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long[][] ids = new long[queries.length][k];
    do {
      pass(params, ids, Measurement.newHistogram(), deadline);
    } while (System.nanoTime() < deadline);
  }

  /** One timed pass over all queries. */
  public Measurement measure(Params params) {
    long[][] ids = new long[queries.length][k];
    Histogram latencies = Measurement.newHistogram();
    long start = System.nanoTime();
    pass(params, ids, latencies, Long.MAX_VALUE);
    double wall = (System.nanoTime() - start) / 1e9;
    return new Measurement(ids, latencies, wall);
  }

  /** Runs the queries once, stopping early (warm-up only) once {@code deadline} has passed. */
  private void pass(Params params, long[][] ids, Histogram latencies, long deadline) {
    if (batch > 0) {
      batched(params, ids, latencies, deadline);
    } else if (threads == 1) {
      single(params, ids, latencies, new AtomicInteger(), deadline);
    } else {
      concurrent(params, ids, latencies, deadline);
    }
  }

  private void single(Params params, long[][] ids, Histogram latencies, AtomicInteger next, long deadline) {
    SearchResults out = new SearchResults(k);
    for (int q = next.getAndIncrement(); q < queries.length; q = next.getAndIncrement()) {
      long t0 = System.nanoTime();
      index.search(queries[q], k, filter, params, out);
      long t1 = System.nanoTime();
      latencies.recordValue(t1 - t0);
      copy(out, ids[q]);
      if (t1 > deadline) {
        return;
      }
    }
  }

  private void concurrent(Params params, long[][] ids, Histogram latencies, long deadline) {
    AtomicInteger next = new AtomicInteger();
    List<Future<Histogram>> parts = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      parts.add(workers.submit(() -> {
        Histogram own = Measurement.newHistogram();
        single(params, ids, own, next, deadline);
        return own;
      }));
    }
    for (Future<Histogram> part : parts) {
      latencies.add(join(part));
    }
  }

  private void batched(Params params, long[][] ids, Histogram latencies, long deadline) {
    for (int b = 0; b < batches.length; b++) {
      SearchResults[] out = batchResults[b];
      long t0 = System.nanoTime();
      OrdinalFilter[] filters = filter == null ? null
          : out.length == batch ? batchFilters : Arrays.copyOf(batchFilters, out.length);
      index.searchBatch(batches[b], k, filters, params, out, threads);
      long t1 = System.nanoTime();
      latencies.recordValueWithCount(Math.max(1, (t1 - t0) / out.length), out.length);
      for (int i = 0; i < out.length; i++) {
        copy(out[i], ids[b * batch + i]);
      }
      if (t1 > deadline) {
        return;
      }
    }
  }

  private static void copy(SearchResults out, long[] ids) {
    int n = out.count();
    for (int i = 0; i < n; i++) {
      ids[i] = out.id(i);
    }
    Arrays.fill(ids, n, ids.length, -1L);
  }

  private static Histogram join(Future<Histogram> part) {
    try {
      return part.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while searching", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Stops the worker threads. */
  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
  }
}

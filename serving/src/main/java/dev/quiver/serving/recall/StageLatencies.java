package dev.quiver.serving.recall;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency of each stage of a recall (user tower, the search of each head, merge, the whole
 * request), in nanoseconds. Request threads record wait-free into HdrHistogram {@link Recorder}s
 * of fixed range (so recording never resizes, never allocates); a reader gets cumulative copies
 * that no later recording changes. Thread-safe.
 */
public final class StageLatencies {
  /** Stage name of the user tower. */
  public static final String TOWER = "tower";
  /** Stage name of the merge of the heads' lists. */
  public static final String MERGE = "merge";
  /** Stage name of a whole request, lease to results. */
  public static final String TOTAL = "total";
  /** Prefix of the search stages, followed by the head's name ({@code search:click}). */
  public static final String SEARCH = "search:";

  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final String[] names;
  private final Recorder[] recorders;
  private final Histogram[] totals;

  /** Latencies for a model whose heads have these names, in head order. */
  public StageLatencies(List<String> headNames) {
    int heads = headNames.size();
    names = new String[heads + 3];
    names[0] = TOWER;
    for (int h = 0; h < heads; h++) {
      names[1 + h] = SEARCH + headNames.get(h);
    }
    names[heads + 1] = MERGE;
    names[heads + 2] = TOTAL;
    recorders = new Recorder[names.length];
    totals = new Histogram[names.length];
    for (int i = 0; i < names.length; i++) {
      recorders[i] = new Recorder(MAX_NANOS, 3);
      totals[i] = new Histogram(MAX_NANOS, 3);
    }
  }

  void tower(long nanos) {
    record(0, nanos);
  }

  void search(int head, long nanos) {
    record(1 + head, nanos);
  }

  void merge(long nanos) {
    record(names.length - 2, nanos);
  }

  void total(long nanos) {
    record(names.length - 1, nanos);
  }

  private void record(int stage, long nanos) {
    recorders[stage].recordValue(Math.min(Math.max(nanos, 0), MAX_NANOS));
  }

  /**
   * Everything recorded since creation or the last {@link #reset()}, by stage name in pipeline
   * order (tower, each head's search, merge, total). The histograms are the caller's copies.
   */
  public synchronized Map<String, Histogram> snapshot() {
    Map<String, Histogram> out = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      totals[i].add(recorders[i].getIntervalHistogram());
      out.put(names[i], totals[i].copy());
    }
    return out;
  }

  /** Forgets everything recorded so far (for example after a warm-up). */
  public synchronized void reset() {
    for (int i = 0; i < names.length; i++) {
      recorders[i].reset();
      totals[i].reset();
    }
  }
}

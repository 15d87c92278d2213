package dev.quiver.bench.tower;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * Quiver against ONNX Runtime on the benchmark's user tower, alternating in one thread: blocks of
 * batch-1 requests and of batch-256 batches, Quiver then ONNX Runtime, round after round, so
 * that both see the same load on a shared machine. Reports wall-clock p50/p99 per request and per
 * batch, and the thread's CPU time, which time spent descheduled does not inflate (ONNX Runtime
 * with one intra-op thread computes on the calling thread).
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp 'bench/target/quiver-bench.jar:bench/target/lib/*' \
 *     dev.quiver.bench.tower.TowerCompare [MODEL_DIR] [SECONDS] [PEAK_GFLOPS]</pre>
 */
public final class TowerCompare {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final int ONES_PER_BLOCK = 500;
  private static final int BATCHES_PER_BLOCK = 8;

  private final TowerPair pair;
  private final Histogram[] one = {new Histogram(3), new Histogram(3)};
  private final Histogram[] many = {new Histogram(3), new Histogram(3)};
  private final long[] cpuOne = new long[2];
  private final long[] cpuMany = new long[2];
  private final long[] countOne = new long[2];
  private final long[] countMany = new long[2];
  private float sink;
  private int next;

  private TowerCompare(TowerPair pair) {
    this.pair = pair;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "bench/target/tower-bench");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 60;
    double peak = args.length > 2 ? Double.parseDouble(args[2]) : 114.0;
    try (TowerPair pair = new TowerPair(dir)) {
      TowerCompare c = new TowerCompare(pair);
      c.run(Math.max(15, seconds / 3), false);
      c.run(seconds, true);
      c.report(peak);
    }
  }

  private void run(double seconds, boolean record) throws Exception {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      for (int who = 0; who < 2; who++) {
        ones(who, record);
      }
      for (int who = 0; who < 2; who++) {
        batches(who, record);
      }
    }
  }

  private void ones(int who, boolean record) throws Exception {
    long cpu = MX.getCurrentThreadCpuTime();
    for (int i = 0; i < ONES_PER_BLOCK; i++) {
      long t = System.nanoTime();
      sink += who == 0 ? pair.quiver1(next++)[0] : pair.ort1(next++);
      if (record) {
        one[who].recordValue(System.nanoTime() - t);
      }
    }
    if (record) {
      cpuOne[who] += MX.getCurrentThreadCpuTime() - cpu;
      countOne[who] += ONES_PER_BLOCK;
    }
  }

  private void batches(int who, boolean record) throws Exception {
    long cpu = MX.getCurrentThreadCpuTime();
    for (int i = 0; i < BATCHES_PER_BLOCK; i++) {
      long t = System.nanoTime();
      sink += who == 0 ? pair.quiver256(next++)[0] : pair.ort256(next++);
      if (record) {
        many[who].recordValue(System.nanoTime() - t);
      }
    }
    if (record) {
      cpuMany[who] += MX.getCurrentThreadCpuTime() - cpu;
      countMany[who] += BATCHES_PER_BLOCK;
    }
  }

  private void report(double peak) {
    String[] names = {"Quiver", "ONNX Runtime"};
    System.out.printf("batch 1 (%,d + %,d requests)%n", countOne[0], countOne[1]);
    for (int w = 0; w < 2; w++) {
      System.out.printf("  %-12s p50 %7.1f us  p99 %8.1f us  cpu %7.1f us/request%n", names[w],
          one[w].getValueAtPercentile(50) / 1e3, one[w].getValueAtPercentile(99) / 1e3,
          cpuOne[w] / 1e3 / countOne[w]);
    }
    System.out.printf("  Quiver / ONNX Runtime: p50 %.2fx, p99 %.2fx, cpu %.2fx%n",
        ratio(one, 50), ratio(one, 99), (cpuOne[0] / (double) countOne[0]) / (cpuOne[1] / (double) countOne[1]));
    System.out.printf("batch 256 (%,d + %,d batches)%n", countMany[0], countMany[1]);
    double[] rows = new double[2];
    for (int w = 0; w < 2; w++) {
      double cpuPerBatch = cpuMany[w] / 1e9 / countMany[w];
      double wall = many[w].getValueAtPercentile(50) / 1e9;
      rows[w] = TowerPair.BATCH / wall;
      double gflops = rows[w] * TowerPair.FLOPS_PER_ROW / 1e9;
      System.out.printf("  %-12s p50 %6.2f ms/batch = %,8.0f rows/s = %5.1f GFLOP/s (%.0f%% of %.0f);"
              + "  cpu %6.2f ms/batch = %,8.0f rows/s (%.0f%% of peak)%n", names[w], wall * 1e3, rows[w],
          gflops, 100 * gflops / peak, peak, cpuPerBatch * 1e3, TowerPair.BATCH / cpuPerBatch,
          100 * TowerPair.BATCH / cpuPerBatch * TowerPair.FLOPS_PER_ROW / 1e9 / peak);
    }
    System.out.printf("  Quiver / ONNX Runtime throughput: p50 %.2fx, cpu %.2fx%n", rows[0] / rows[1],
        (cpuMany[1] / (double) countMany[1]) / (cpuMany[0] / (double) countMany[0]));
    if (sink == 42f) {
      System.out.println();
    }
  }

  private static double ratio(Histogram[] h, double p) {
    return h[0].getValueAtPercentile(p) / (double) h[1].getValueAtPercentile(p);
  }
}

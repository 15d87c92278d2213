package dev.quiver.bench.jmh;

import dev.quiver.gpu.DynamicBatcher;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the {@link DynamicBatcher} itself, on the CPU: the batch function does almost
 * nothing (one multiply per request), so {@code batched} minus {@code direct} is the latency the
 * queue, the hand-off to the worker and the wake-up add to a request. Run with {@code -t 1} (low
 * load: every request is its own batch) and with more threads than cores (high load: requests
 * share batches, and the score is how many requests per second one worker can move).
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatcherBenchmark {
  /** One batcher shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Shared {
    DynamicBatcher<long[], long[]> batcher;

    @Setup(Level.Trial)
    public void setUp() {
      batcher = new DynamicBatcher<>("bench", DynamicBatcher.Options.defaults(), b -> {
        for (int i = 0; i < b.size(); i++) {
          b.result(i)[0] = b.request(i)[0] * 3;
        }
      }, (request, result) -> result[0] = request[0] * 3);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      batcher.close();
    }
  }

  /** Each thread's request and result. */
  @State(Scope.Thread)
  public static class Caller {
    final long[] request = {Thread.currentThread().threadId()};
    final long[] result = new long[1];
  }

  @Benchmark
  public long batched(Shared s, Caller c) {
    c.request[0]++;
    s.batcher.call(c.request, c.result);
    return c.result[0];
  }

  @Benchmark
  public long direct(Caller c) {
    c.request[0]++;
    c.result[0] = c.request[0] * 3;
    return c.result[0];
  }
}

package dev.quiver.bench.snapshot;

import dev.quiver.engine.Params;
import dev.quiver.serving.snapshot.Verification;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the snapshot swap benchmark runs.
 *
 * @param root a snapshot root with a current version, whose index and model are republished
 * @param queries user vectors (.fvecs, .npy), cycled
 * @param k results per query
 * @param search search parameters of the index kind (efSearch=...)
 * @param rate queries per second, over all threads, on a fixed schedule
 * @param threads query threads
 * @param warmupSeconds queries before measuring (not recorded)
 * @param windowSeconds length of a measured window; windows without and with swaps alternate, so
 *     that both phases see the same background load of a shared machine
 * @param cycles pairs of windows (one without swaps, one with)
 * @param swapEverySeconds seconds between publishes within a swap window, the first at its start
 * @param poll how often the manager's watcher reads CURRENT
 * @param verification the loader's checksum setting
 * @param pointerOnly publish two versions before measuring and make each swap only replace
 *     {@code CURRENT}, alternating between them, as when versions are built on another machine;
 *     otherwise each swap writes a whole new version in this process first
 * @param checksumCpuShare the share of a core the loader's checksumming may use
 */
public record SwapBenchConfig(Path root, Path queries, int k, Params search, double rate, int threads,
                              double warmupSeconds, double windowSeconds, int cycles, double swapEverySeconds,
                              Duration poll, Verification verification, boolean pointerOnly,
                              double checksumCpuShare) {
  public SwapBenchConfig {
    if (rate <= 0 || threads <= 0 || k <= 0 || swapEverySeconds <= 0 || windowSeconds <= 0 || cycles <= 0) {
      throw new IllegalArgumentException("rate " + rate + ", threads " + threads + ", k " + k + ", window "
          + windowSeconds + " s, cycles " + cycles + ", swap every " + swapEverySeconds + " s: all must be positive");
    }
  }
}

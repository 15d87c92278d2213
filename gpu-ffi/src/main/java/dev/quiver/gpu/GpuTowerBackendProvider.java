package dev.quiver.gpu;

import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerBackendProvider;
import dev.quiver.tower.TowerBackends;
import java.util.function.Supplier;

/**
 * Offers {@link GpuTowerBackend} to {@link TowerBackends#select()} (through
 * {@code META-INF/services}): available when {@link Cuda#runtime()} finds a usable device, and
 * then preferred to the CPU; {@code -Dquiver.tower.backend=cpu|gpu} forces either.
 *
 * <p>Single requests are batched up to {@value #MAX_BATCH_PROPERTY} requests (default 256) or
 * {@value #MAX_WAIT_PROPERTY} microseconds (default 200).
 */
public final class GpuTowerBackendProvider implements TowerBackendProvider {
  /** System property: the most single requests batched together. */
  public static final String MAX_BATCH_PROPERTY = "quiver.gpu.batch.max";
  /** System property: the longest, in microseconds, a batch waits for more requests. */
  public static final String MAX_WAIT_PROPERTY = "quiver.gpu.batch.waitMicros";

  private final Supplier<Cuda> cuda;

  /** The provider of the process's runtime, {@link Cuda#runtime()}, loaded on first use. */
  public GpuTowerBackendProvider() {
    this(Cuda::runtime);
  }

  GpuTowerBackendProvider(Supplier<Cuda> cuda) {
    this.cuda = cuda;
  }

  @Override
  public String name() {
    return "gpu";
  }

  @Override
  public boolean available() {
    return cuda.get().available();
  }

  @Override
  public String unavailableReason() {
    return cuda.get().status() + ": " + cuda.get().reason();
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public TowerBackend create() {
    return new GpuTowerBackend(cuda.get(), options(System.getProperty(MAX_BATCH_PROPERTY),
        System.getProperty(MAX_WAIT_PROPERTY)));
  }

  /**
   * Batching options from the properties' values (null: the default).
   *
   * @throws IllegalArgumentException naming a value that is not a positive (or, for the wait,
   *     non-negative) integer
   */
  static DynamicBatcher.Options options(String maxBatch, String waitMicros) {
    DynamicBatcher.Options d = DynamicBatcher.Options.defaults();
    int batch = maxBatch == null ? d.maxBatch() : parse(MAX_BATCH_PROPERTY, maxBatch);
    long wait = waitMicros == null ? d.maxWaitNanos() : parse(MAX_WAIT_PROPERTY, waitMicros) * 1000L;
    return new DynamicBatcher.Options(batch, wait, Math.max(d.maxPending(), 4 * batch));
  }

  private static int parse(String property, String value) {
    int v;
    try {
      v = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + property + "=" + value + " is not an integer", e);
    }
    if (v < 0) {
      throw new IllegalArgumentException("-D" + property + "=" + value + " is negative");
    }
    return v;
  }
}

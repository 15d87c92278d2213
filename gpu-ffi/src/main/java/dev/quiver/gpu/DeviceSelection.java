package dev.quiver.gpu;

import java.util.Locale;

/**
 * Where tower inference runs: the GPU when the library loads and a device is usable, else the
 * CPU, unless {@code -Dquiver.tower.device=cpu|gpu} forces one ({@code auto} is the default).
 *
 * <p>{@link #current()} decides once per process and logs the decision and its reason once, at
 * INFO, through {@link System.Logger}. Forcing the GPU where it is unusable is an error, not a
 * silent fall back: the operator asked for something the machine cannot do.
 *
 * @param gpu whether to run on the GPU
 * @param reason why, in words (the CUDA reason when the GPU is unusable)
 */
public record DeviceSelection(boolean gpu, String reason) {
  /** System property: {@code auto} (default), {@code cpu} or {@code gpu}. */
  public static final String PROPERTY = "quiver.tower.device";

  private static final class Current {
    static final DeviceSelection INSTANCE = log(choose(System.getProperty(PROPERTY), Cuda.runtime()));
  }

  /** The process's selection, decided and logged on first use. */
  public static DeviceSelection current() {
    return Current.INSTANCE;
  }

  /**
   * Decides for the setting {@code value} (null or blank meaning auto) and the runtime {@code cuda}.
   *
   * @throws IllegalArgumentException if {@code value} is not auto, cpu or gpu
   * @throws IllegalStateException if the GPU is forced but unusable, with CUDA's reason
   */
  public static DeviceSelection choose(String value, Cuda cuda) {
    String v = value == null || value.isBlank() ? "auto" : value.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "cpu" -> new DeviceSelection(false, "forced by -D" + PROPERTY + "=cpu");
      case "gpu" -> {
        if (!cuda.available()) {
          throw new IllegalStateException("-D" + PROPERTY + "=gpu, but the GPU is unusable: "
              + cuda.status() + ": " + cuda.reason());
        }
        yield new DeviceSelection(true, "forced by -D" + PROPERTY + "=gpu; " + cuda.reason());
      }
      case "auto" -> new DeviceSelection(cuda.available(), cuda.reason());
      default -> throw new IllegalArgumentException(PROPERTY + " must be auto, cpu or gpu: " + value);
    };
  }

  private static DeviceSelection log(DeviceSelection s) {
    System.getLogger(DeviceSelection.class.getName()).log(System.Logger.Level.INFO,
        "tower inference on the " + (s.gpu ? "GPU" : "CPU") + ": " + s.reason);
    return s;
  }
}

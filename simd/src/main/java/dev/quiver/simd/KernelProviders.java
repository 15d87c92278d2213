package dev.quiver.simd;

import java.lang.System.Logger.Level;

/**
 * Chooses the kernel provider once per JVM, as Lucene's VectorizationProvider does.
 *
 * <p>The Panama provider is used when the {@code jdk.incubator.vector} module is in the boot
 * layer (the JVM was started with {@code --add-modules jdk.incubator.vector}) and the preferred
 * float species has at least 4 lanes. The system property {@code quiver.simd=scalar} forces the
 * scalar provider; {@code quiver.simd=panama} makes a missing module an error instead of a
 * fallback. The choice and its reason are logged once.
 *
 * <p>The Panama class is loaded by name so that no class outside it links against incubator
 * types: everything else runs without {@code --add-modules}.
 */
public final class KernelProviders {

  /** System property that forces a provider: {@code scalar} or {@code panama}. */
  public static final String PROPERTY = "quiver.simd";

  private static final String PANAMA_CLASS = "dev.quiver.simd.panama.PanamaKernelProvider";
  private static final System.Logger LOG = System.getLogger(KernelProviders.class.getName());

  private KernelProviders() {}

  static KernelProvider select() {
    String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(java.util.Locale.ROOT);
    if (forced.equals("scalar")) {
      return announce(new ScalarKernelProvider(), "forced by -D" + PROPERTY + "=scalar");
    }
    if (!forced.isEmpty() && !forced.equals("panama")) {
      throw new IllegalArgumentException(
          "Unknown -D" + PROPERTY + "=" + forced + "; expected 'scalar' or 'panama'");
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      String why = "the jdk.incubator.vector module is absent (start the JVM with"
          + " --add-modules jdk.incubator.vector)";
      if (forced.equals("panama")) {
        throw new IllegalStateException("-D" + PROPERTY + "=panama but " + why);
      }
      return announce(new ScalarKernelProvider(), why);
    }
    try {
      KernelProvider panama = (KernelProvider) Class.forName(PANAMA_CLASS)
          .getDeclaredConstructor().newInstance();
      return announce(panama, "Vector API available");
    } catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException e) {
      if (forced.equals("panama")) {
        throw new IllegalStateException("-D" + PROPERTY + "=panama but it failed to load", e);
      }
      return announce(new ScalarKernelProvider(), "Panama provider unavailable: " + e);
    }
  }

  private static KernelProvider announce(KernelProvider provider, String why) {
    LOG.log(Level.INFO, "Quiver kernels: {0} ({1})", provider.name(), why);
    return provider;
  }
}

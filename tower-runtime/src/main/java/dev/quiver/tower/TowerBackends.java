package dev.quiver.tower;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses the tower backend once per JVM: the available {@link TowerBackendProvider} of highest
 * priority found by {@link ServiceLoader}, else the CPU. The system property
 * {@value #PROPERTY} is {@code auto} (the default: that choice) or forces one by name
 * ({@code cpu}, {@code gpu}); forcing one that is absent or unavailable is an error rather than a
 * silent fallback. The choice is logged once.
 */
public final class TowerBackends {
  /** System property naming the backend to use: auto (default), cpu, gpu. */
  public static final String PROPERTY = "quiver.tower.backend";

  private static final System.Logger LOG = System.getLogger(TowerBackends.class.getName());

  private TowerBackends() {}

  /** The backend of this JVM, chosen on first call. */
  public static TowerBackend select() {
    return Holder.BACKEND;
  }

  private static final class Holder {
    static final TowerBackend BACKEND = choose(System.getProperty(PROPERTY, ""),
        ServiceLoader.load(TowerBackendProvider.class));
  }

  /**
   * The choice for a forced name (empty: none forced) among {@code providers}, as {@link #select()}
   * makes it among the installed ones; logs it. For a caller with providers of its own.
   *
   * @throws IllegalArgumentException if {@code forced} names no provider
   * @throws IllegalStateException if {@code forced} names an unavailable one, with its reason
   */
  public static TowerBackend choose(String forced, Iterable<TowerBackendProvider> providers) {
    String want = forced.trim().toLowerCase(Locale.ROOT);
    if (want.equals("auto")) {
      want = "";
    }
    List<String> seen = new ArrayList<>(List.of("cpu"));
    TowerBackendProvider best = null;
    for (TowerBackendProvider p : providers) {
      seen.add(p.name());
      boolean up = p.available();
      if (p.name().equals(want)) {
        if (!up) {
          throw new IllegalStateException("-D" + PROPERTY + "=" + want
              + " but that backend is unavailable here: " + p.unavailableReason());
        }
        return announce(p.create(), "forced by -D" + PROPERTY);
      }
      if (want.isEmpty() && up && p.priority() > 0 && (best == null || p.priority() > best.priority())) {
        best = p;
      }
    }
    if (!want.isEmpty() && !want.equals("cpu")) {
      throw new IllegalArgumentException("-D" + PROPERTY + "=" + want + " names no backend; found " + seen);
    }
    if (best != null) {
      return announce(best.create(), "highest priority available of " + seen);
    }
    return announce(CpuTowerBackend.INSTANCE, want.isEmpty() ? "no other backend available" : "forced");
  }

  private static TowerBackend announce(TowerBackend b, String why) {
    LOG.log(Level.INFO, "Quiver tower backend: {0} ({1})", b.name(), why);
    return b;
  }
}

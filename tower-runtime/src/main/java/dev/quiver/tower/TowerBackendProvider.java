package dev.quiver.tower;

/**
 * A backend that another module offers through {@link java.util.ServiceLoader} (listed in its
 * {@code META-INF/services/dev.quiver.tower.TowerBackendProvider}), so that tower-runtime never
 * depends on it. {@link TowerBackends#select()} takes the available provider of highest
 * priority; the CPU backend has priority 0.
 */
public interface TowerBackendProvider {
  /** The name that {@code -Dquiver.tower.backend} selects it by. */
  String name();

  /** Whether it can run here (a device present, a library loadable); cheap and without side effects. */
  boolean available();

  /** Why it is unavailable here (the library or device missing), for the error of a forced choice. */
  default String unavailableReason() {
    return "unavailable";
  }

  /** Higher wins among the available providers. */
  int priority();

  /** Creates the backend; called at most once per JVM by {@link TowerBackends#select()}. */
  TowerBackend create();
}

package dev.quiver.serving.snapshot;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The default threads of the snapshot layer: daemons, one each, made on first use. */
final class Background {
  private Background() {}

  /** Frees retired snapshots (model, index, shared arena) off the request path. */
  static final class Reaper {
    static final ExecutorService EXECUTOR = single("quiver-snapshot-reaper");
  }

  /** Checksums files of snapshots already serving ({@link Verification#SIZES_THEN_BACKGROUND}). */
  static final class Verifier {
    static final ExecutorService EXECUTOR = single("quiver-snapshot-verifier");
  }

  static ExecutorService single(String name) {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }
}

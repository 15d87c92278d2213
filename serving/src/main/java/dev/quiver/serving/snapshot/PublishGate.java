package dev.quiver.serving.snapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a written version must pass before {@link SnapshotWriter} makes it current: it is loaded
 * aside, still under its temporary name, by the serving {@link SnapshotLoader} with full
 * verification (every file's checksum, the model's shapes and dimension, the id table), then
 * {@code check} runs on the loaded snapshot (a recall over a few users, say). Whatever would stop
 * a service from loading or serving the version refuses the publish instead, so that
 * {@code CURRENT} never names a version no service can load. The snapshot is freed before
 * {@link #verify} returns. Immutable; thread-safe when the check is.
 *
 * @param <M> the model type
 */
public final class PublishGate<M extends AutoCloseable> {

  /** A check of a loaded snapshot; an IOException stating why refuses it. */
  @FunctionalInterface
  public interface Check<M extends AutoCloseable> {
    void check(Snapshot<M> snapshot) throws IOException;
  }

  private final SnapshotLoader<M> loader;
  private final Check<M> check;

  private PublishGate(SnapshotLoader<M> loader, Check<M> check) {
    this.loader = loader.verification(Verification.FULL).executors(Runnable::run, Runnable::run);
    this.check = Objects.requireNonNull(check, "check");
  }

  /** Loads each version with {@code loader} (fully verified, whatever its setting) and nothing more. */
  public static <M extends AutoCloseable> PublishGate<M> loading(SnapshotLoader<M> loader) {
    return new PublishGate<>(loader, snapshot -> { });
  }

  /** This gate, then {@code next} on the loaded snapshot. */
  public PublishGate<M> andCheck(Check<M> next) {
    Check<M> first = check;
    return new PublishGate<>(loader, snapshot -> {
      first.check(snapshot);
      next.check(snapshot);
    });
  }

  /** Loads the version in {@code dir} as {@code version}, checks it and frees it; IOException saying why not. */
  public void verify(Path dir, long version) throws IOException {
    Snapshot<M> snapshot = loader.load(dir, version);
    try {
      check.check(snapshot);
    } finally {
      snapshot.retire();
    }
  }

  /** {@link #verify(Path, long)} for a published version directory ({@code v-N}). */
  public void verify(Path dir) throws IOException {
    verify(dir, SnapshotLayout.version(dir.getFileName().toString()));
  }
}

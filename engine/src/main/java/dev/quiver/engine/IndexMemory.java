package dev.quiver.engine;

/**
 * The off-heap memory an index owns (its arena, or the mapped {@link IndexFile}) and whether the
 * index is still open: every kind checks it at the top of a call and frees it once on close.
 * Thread-safe.
 */
public final class IndexMemory {
  private final String kind;
  private final AutoCloseable owner;
  private volatile boolean closed;

  /** @param kind the index kind, for messages; @param owner what frees the memory */
  public IndexMemory(String kind, AutoCloseable owner) {
    this.kind = kind;
    this.owner = owner;
  }

  /** Throws {@link IllegalStateException} once the index is closed. */
  public void checkOpen() {
    if (closed) {
      throw new IllegalStateException(kind + " index is closed");
    }
  }

  /** Frees the memory the first time; later calls do nothing. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      owner.close();
    } catch (Exception e) {
      throw new IllegalStateException("failed to release " + kind + " index memory", e);
    }
  }
}

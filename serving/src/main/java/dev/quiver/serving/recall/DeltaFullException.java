package dev.quiver.serving.recall;

/** A delta segment has no room for more fresh items; it empties when the next build is served. */
public final class DeltaFullException extends IllegalStateException {
  DeltaFullException(String message) {
    super(message);
  }
}

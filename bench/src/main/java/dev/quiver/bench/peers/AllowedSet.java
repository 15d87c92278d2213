package dev.quiver.bench.peers;

/**
 * A filter that the sweep applies to every index alike: the base rows a search may return.
 *
 * @param label the allowed share of the rows as the command line gave it, e.g. {@code 0.1}
 * @param file one byte per base row, 1 where the row is allowed, 0 elsewhere
 */
public record AllowedSet(String label, java.nio.file.Path file) {}

package dev.quiver.bench.peers;

import dev.quiver.engine.io.VectorFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * One setting a peer ran: its parameters and timings, and the files holding the ids it found
 * (.ivecs, k per query) and each query's latency (little-endian int64 nanoseconds).
 *
 * @param filter the {@link AllowedSet#label} of the filter it searched with; empty for none
 */
public record PeerResult(String index, String buildParams, String searchParams, double buildSeconds,
                         long indexBytes, int queries, double wallSeconds, Path ids, Path latencies, String filter) {

  /** An unfiltered result. */
  public PeerResult(String index, String buildParams, String searchParams, double buildSeconds, long indexBytes,
                    int queries, double wallSeconds, Path ids, Path latencies) {
    this(index, buildParams, searchParams, buildSeconds, indexBytes, queries, wallSeconds, ids, latencies, "");
  }

  /** The ids, one row per query, -1 where fewer than k came back. */
  public long[][] readIds() throws IOException {
    int[][] rows = VectorFiles.readInts(ids);
    if (rows.length != queries) {
      throw new IOException(ids + ": " + rows.length + " rows, expected " + queries + " queries");
    }
    long[][] out = new long[rows.length][];
    for (int q = 0; q < rows.length; q++) {
      out[q] = new long[rows[q].length];
      for (int i = 0; i < rows[q].length; i++) {
        out[q][i] = rows[q][i];
      }
    }
    return out;
  }

  /** The per-query latencies in nanoseconds. */
  public Histogram readLatencies() throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(latencies)).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.remaining() != (long) queries * Long.BYTES) {
      throw new IOException(latencies + ": " + bytes.remaining() + " bytes, expected " + queries + " int64 latencies");
    }
    Histogram h = new Histogram(3);
    while (bytes.hasRemaining()) {
      h.recordValue(Math.max(1, bytes.getLong()));
    }
    return h;
  }
}

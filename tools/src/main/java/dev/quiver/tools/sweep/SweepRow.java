package dev.quiver.tools.sweep;

/**
 * One measured setting: an index (ours or a peer's) at one search setting. Latencies in
 * microseconds per query; {@code indexBytes} is -1 when the index cannot tell.
 *
 * @param index series name: {@code quiver-<kind>}, {@code faiss-<kind>}, {@code hnswlib-hnsw}
 * @param threads search threads
 * @param buildThreads threads the index was built with
 */
public record SweepRow(String index, String buildParams, String searchParams, int k, double recall,
                       double qps, double p50Us, double p99Us, double buildSeconds, long indexBytes,
                       int threads, int batch, int queries, String metric, String base,
                       String query, int buildThreads) {}

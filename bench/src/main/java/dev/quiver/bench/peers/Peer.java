package dev.quiver.bench.peers;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Another library run over the same files as the sweep (FAISS, hnswlib), out of process. A peer
 * writes the ids it found and the latency of every query; the sweep computes recall and latency
 * percentiles from those itself, so every index is scored the same way. Implementations are
 * stateless and thread-safe.
 */
public interface Peer {

  /** The name on the command line and the prefix of its series: {@code faiss}, {@code hnswlib}. */
  String name();

  /** Why this peer cannot run on this machine (not installed...), in one line; empty when it can. */
  Optional<String> unavailable();

  /**
   * Builds the peer's index and runs every search setting of {@code request}.
   *
   * @param log receives the peer's informational lines (library version, BLAS kernels...)
   * @throws IOException the peer failed; the message says why in one line
   */
  List<PeerResult> run(PeerRequest request, Consumer<String> log) throws IOException;
}

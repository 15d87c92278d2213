package dev.quiver.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * FAISS through the system Python ({@code /usr/bin/python3} with Debian's python3-faiss; another
 * interpreter through {@code QUIVER_PYTHON}). The script maps each sweep index kind to its FAISS
 * counterpart (flat: IndexFlatIP/L2, hnsw: IndexHNSWFlat, ivf-flat: IndexIVFFlat...).
 *
 * <p>Its environment differs from ours in two ways that matter for speed: OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE are removed, so that OpenBLAS picks the kernels of this CPU (a pinned older
 * core type runs batched search about half as fast), and the OpenMP and OpenBLAS thread counts
 * are the sweep's {@code --threads}.
 */
public final class FaissPeer implements Peer {
  static final String SCRIPT = "faiss_peer.py";

  private final String python;

  /** The peer on {@code $QUIVER_PYTHON}, else {@code /usr/bin/python3}. */
  public FaissPeer() {
    this(System.getenv("QUIVER_PYTHON") != null && !System.getenv("QUIVER_PYTHON").isBlank()
        ? System.getenv("QUIVER_PYTHON") : "/usr/bin/python3");
  }

  FaissPeer(String python) {
    this.python = python;
  }

  @Override
  public String name() {
    return "faiss";
  }

  @Override
  public Optional<String> unavailable() {
    if (!Files.isExecutable(Path.of(python))) {
      return Optional.of("no Python at " + python + " (set QUIVER_PYTHON, or apt-get install python3)");
    }
    if (!PeerFiles.succeeds(60, python, "-c", "import faiss, numpy")) {
      return Optional.of("FAISS is not installed for " + python + " (apt-get install python3-faiss)");
    }
    return Optional.empty();
  }

  @Override
  public List<PeerResult> run(PeerRequest r, Consumer<String> log) throws IOException {
    Files.createDirectories(r.workDir());
    if (!r.filters().isEmpty()) {
      log.accept("filtered settings: not run, this peer takes no filter");
    }
    Path script = r.workDir().resolve(SCRIPT);
    PeerFiles.writeAtomically(script, PeerFiles.resource(SCRIPT));
    List<String> command = new ArrayList<>(List.of(python, "-u", script.toString(),
        "--kind", r.kind(), "--metric", r.metric().shortName(),
        "--base", r.base().toAbsolutePath().toString(), "--query", r.query().toAbsolutePath().toString(),
        "--k", Integer.toString(r.k()), "--queries", Integer.toString(r.queries()),
        "--threads", Integer.toString(r.threads()),
        "--build-threads", Integer.toString(r.buildThreads()), "--batch", Integer.toString(r.batch()),
        "--build", r.build().toString(), "--search", searchSpec(r),
        "--warmup-s", Double.toString(r.warmupSeconds()), "--out", r.workDir().toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.remove("OPENBLAS_CORETYPE");
    env.remove("OPENBLAS_L2_SIZE");
    String threads = Integer.toString(Math.max(r.threads(), r.buildThreads()));
    env.put("OMP_NUM_THREADS", threads);
    env.put("OPENBLAS_NUM_THREADS", threads);
    return PeerProtocol.run(pb, name(), log);
  }

  private static String searchSpec(PeerRequest r) {
    StringBuilder s = new StringBuilder();
    for (var p : r.search()) {
      s.append(s.isEmpty() ? "" : ";").append(p);
    }
    return s.toString();
  }
}

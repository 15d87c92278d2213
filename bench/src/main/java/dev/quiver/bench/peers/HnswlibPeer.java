package dev.quiver.bench.peers;

import dev.quiver.engine.Params;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * hnswlib's HNSW (Debian's header-only libhnswlib-dev) through a small C++ program shipped as a
 * resource and compiled on first use with {@code g++ -O3 -march=native} into
 * {@code ~/.cache/quiver/peers/hnswlib-<hash>/}, the hash covering source and flags so that a
 * changed source is rebuilt. It always builds HNSW, whatever the sweep's kind: M and
 * efConstruction come from the sweep's build parameters when given (else 16 and 200), efSearch
 * from its search settings when they have one (else the ladder 10..640). With filters, it runs
 * every setting again per filter, the rejected rows marked deleted (the walk of hnswlib's filtered
 * search: they steer it, and are not returned).
 */
public final class HnswlibPeer implements Peer {
  static final String SOURCE = "hnswlib_peer.cpp";
  static final List<Integer> EF_LADDER = List.of(10, 20, 40, 80, 160, 320, 640);

  private static final Path HEADER = Path.of("/usr/include/hnswlib/hnswlib.h");
  private static final List<String> FLAGS = List.of("-O3", "-march=native", "-std=c++17", "-pthread");

  @Override
  public String name() {
    return "hnswlib";
  }

  @Override
  public Optional<String> unavailable() {
    if (!Files.isRegularFile(HEADER)) {
      return Optional.of("hnswlib headers are not installed (" + HEADER + "; apt-get install libhnswlib-dev)");
    }
    if (!PeerFiles.succeeds(30, "g++", "--version")) {
      return Optional.of("no C++ compiler g++ on PATH (apt-get install g++)");
    }
    return Optional.empty();
  }

  @Override
  public List<PeerResult> run(PeerRequest r, Consumer<String> log) throws IOException {
    Files.createDirectories(r.workDir());
    Path binary = compiled(log);
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--metric", r.metric().shortName(),
        "--base", r.base().toAbsolutePath().toString(), "--query", r.query().toAbsolutePath().toString(),
        "--k", Integer.toString(r.k()), "--queries", Integer.toString(r.queries()),
        "--threads", Integer.toString(r.threads()),
        "--build-threads", Integer.toString(r.buildThreads()), "--batch", Integer.toString(r.batch()),
        "--M", Integer.toString(r.build().intValue("M", 16)),
        "--ef-construction", Integer.toString(r.build().intValue("efConstruction", 200)),
        "--ef", efList(r.search()),
        "--warmup-s", Double.toString(r.warmupSeconds()), "--out", r.workDir().toAbsolutePath().toString()));
    for (AllowedSet f : r.filters()) {
      command.addAll(List.of("--filter", f.label() + "=" + f.file().toAbsolutePath()));
    }
    return PeerProtocol.run(new ProcessBuilder(command), name(), log);
  }

  /** The efSearch values of the settings that name one, else the default ladder; comma-separated. */
  static String efList(List<Params> search) {
    StringBuilder s = new StringBuilder();
    for (Params p : search) {
      int ef = p.intValue("efSearch", -1);
      if (ef > 0) {
        s.append(s.isEmpty() ? "" : ",").append(ef);
      }
    }
    if (s.isEmpty()) {
      for (int ef : EF_LADDER) {
        s.append(s.isEmpty() ? "" : ",").append(ef);
      }
    }
    return s.toString();
  }

  /** The compiled peer, compiling it first when this source and these flags have not been yet. */
  private static Path compiled(Consumer<String> log) throws IOException {
    byte[] source = PeerFiles.resource(SOURCE);
    Path dir = PeerFiles.cacheDir().resolve("hnswlib-" + hash(source));
    Path binary = dir.resolve("hnswlib_peer");
    if (Files.isExecutable(binary)) {
      return binary;
    }
    Path src = dir.resolve(SOURCE);
    PeerFiles.writeAtomically(src, source);
    Path tmp = Files.createTempFile(dir, "hnswlib_peer", ".tmp");
    List<String> command = new ArrayList<>(List.of("g++"));
    command.addAll(FLAGS);
    command.addAll(List.of("-o", tmp.toString(), src.toString()));
    log.accept("compiling the hnswlib peer: " + String.join(" ", command));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("compiling " + src + " failed: " + lastLine(output));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while compiling the hnswlib peer", e);
    }
    Files.move(tmp, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return binary;
  }

  private static String hash(byte[] source) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(source);
      sha.update(String.join(" ", FLAGS).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static String lastLine(String output) {
    String[] lines = output.strip().split("\n");
    return lines[lines.length - 1];
  }
}

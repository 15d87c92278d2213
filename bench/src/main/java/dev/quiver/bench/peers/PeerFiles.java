package dev.quiver.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/** Resources and processes shared by the peers. */
final class PeerFiles {
  private PeerFiles() {}

  /** The bytes of the peer source {@code name}, shipped beside this class. */
  static byte[] resource(String name) throws IOException {
    try (InputStream in = PeerFiles.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("peer source " + name + " is missing from the class path");
      }
      return in.readAllBytes();
    }
  }

  /** Writes {@code bytes} to {@code target} atomically (a temporary file renamed into place). */
  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Whether {@code command} runs and exits 0 within {@code seconds}; output discarded. */
  static boolean succeeds(int seconds, String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The per-user cache directory for compiled peers: $XDG_CACHE_HOME or ~/.cache, then quiver/peers. */
  static Path cacheDir() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return root.resolve("quiver").resolve("peers");
  }
}

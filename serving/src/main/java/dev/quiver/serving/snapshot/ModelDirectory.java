package dev.quiver.serving.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A snapshot's model as the snapshot layer sees it: a directory of files whose meaning belongs to
 * the {@link ModelLoader}. Its fingerprint is SHA-256 over every regular file, in the order of
 * their relative paths, each preceded by its path and length so that bytes cannot move from one
 * file to another unnoticed. It depends on contents only, never on where the directory lies or
 * when it was written, so a copied model keeps its fingerprint; for a two-tower model directory
 * ({@code model.json} and {@code model.safetensors}) it equals the tower runtime's own model
 * fingerprint.
 */
public final class ModelDirectory {
  private ModelDirectory() {}

  /** The fingerprint of the model in {@code dir}, 64 lower-case hex digits. */
  public static String fingerprint(Path dir) throws IOException {
    List<Path> files = files(dir);
    if (files.isEmpty()) {
      throw new IOException(dir + ": the model directory holds no file");
    }
    MessageDigest sha = sha256();
    byte[] buf = new byte[1 << 16];
    for (Path file : files) {
      sha.update(relative(dir, file).getBytes(StandardCharsets.UTF_8));
      sha.update(ByteBuffer.allocate(Long.BYTES).putLong(Files.size(file)).array()); // big-endian
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Every regular file under {@code dir}, sorted by relative path. */
  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).sorted((a, b) -> relative(dir, a).compareTo(relative(dir, b))).toList();
    }
  }

  static String relative(Path dir, Path file) {
    return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}

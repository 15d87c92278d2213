package dev.quiver.tower;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of a model: SHA-256 over its config ({@value #CONFIG}) and its weights
 * ({@value #WEIGHTS}), each preceded by its name and length so that bytes cannot move from
 * one file to the other without changing the hash.
 *
 * <p>User and item vectors are only comparable when both towers come from the same model, so a
 * snapshot records the fingerprint of the model its index was built with, and the loader
 * refuses a model whose fingerprint differs. The fingerprint depends on file contents only,
 * never on paths or timestamps: a copied model keeps its fingerprint.
 */
public final class ModelFingerprint {
    /** The model config file in a model directory. */
    public static final String CONFIG = "model.json";
    /** The model weights file in a model directory. */
    public static final String WEIGHTS = "model.safetensors";

    private ModelFingerprint() {}

    /**
     * Fingerprint of the model in {@code modelDir}, as 64 lower-case hex digits.
     *
     * @throws NoSuchFileException if the directory lacks {@value #CONFIG} or {@value #WEIGHTS}
     */
    public static String of(Path modelDir) throws IOException {
        MessageDigest sha = sha256();
        for (String name : new String[] {CONFIG, WEIGHTS}) {
            Path file = modelDir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "model file missing");
            }
            sha.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(longBytes(Files.size(file)));
            digestFile(sha, file);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void digestFile(MessageDigest sha, Path file) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}

package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFingerprintTest {
    @TempDir Path dir;

    private Path model(String name, String config, byte[] weights) throws IOException {
        Path m = Files.createDirectories(dir.resolve(name));
        Files.writeString(m.resolve(ModelFingerprint.CONFIG), config);
        Files.write(m.resolve(ModelFingerprint.WEIGHTS), weights);
        return m;
    }

    @Test
    void dependsOnContentsNotLocation() throws IOException {
        String a = ModelFingerprint.of(model("a", "{}", new byte[] {1, 2, 3}));
        String b = ModelFingerprint.of(model("b", "{}", new byte[] {1, 2, 3}));
        assertEquals(a, b);
        assertEquals(64, a.length());
        assertTrue(a.matches("[0-9a-f]{64}"), a);
    }

    @Test
    void changesWithWeightsOrConfig() throws IOException {
        String base = ModelFingerprint.of(model("a", "{}", new byte[] {1, 2, 3}));
        assertNotEquals(base, ModelFingerprint.of(model("b", "{}", new byte[] {1, 2, 4})));
        assertNotEquals(base, ModelFingerprint.of(model("c", "{ }", new byte[] {1, 2, 3})));
    }

    @Test
    void bytesCannotMoveBetweenFiles() throws IOException {
        String a = ModelFingerprint.of(model("a", "{}x", new byte[] {1}));
        String b = ModelFingerprint.of(model("b", "{}", new byte[] {'x', 1}));
        assertNotEquals(a, b);
    }

    @Test
    void missingFileIsNamed() throws IOException {
        Path m = Files.createDirectories(dir.resolve("m"));
        Files.writeString(m.resolve(ModelFingerprint.CONFIG), "{}");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ModelFingerprint.of(m));
        assertTrue(e.getMessage().contains(ModelFingerprint.WEIGHTS), e.getMessage());
    }
}

package dev.quiver.serving.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.tower.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {
  @TempDir Path dir;

  private Path model(String name, String config, byte[] weights) throws IOException {
    Path m = Files.createDirectories(dir.resolve(name));
    Files.writeString(m.resolve(ModelFingerprint.CONFIG), config);
    Files.write(m.resolve(ModelFingerprint.WEIGHTS), weights);
    return m;
  }

  @Test
  void aTwoTowerModelKeepsTheTowerRuntimesFingerprint() throws IOException {
    Path m = model("a", "{\"dim\": 8}", new byte[] {1, 2, 3, 4, 5});
    assertEquals(ModelFingerprint.of(m), ModelDirectory.fingerprint(m));
  }

  @Test
  void contentsDecideNotPlace() throws IOException {
    String a = ModelDirectory.fingerprint(model("a", "{}", new byte[] {1, 2, 3}));
    assertEquals(a, ModelDirectory.fingerprint(model("b", "{}", new byte[] {1, 2, 3})));
    assertNotEquals(a, ModelDirectory.fingerprint(model("c", "{}", new byte[] {1, 2, 4})));
  }

  @Test
  void everyFileCountsNestedOnesToo() throws IOException {
    Path m = model("a", "{}", new byte[] {1});
    String before = ModelDirectory.fingerprint(m);
    Files.writeString(Files.createDirectories(m.resolve("vocab")).resolve("cities.txt"), "paris\n");
    String after = ModelDirectory.fingerprint(m);
    assertNotEquals(before, after);
    Files.move(m.resolve("vocab/cities.txt"), m.resolve("vocab/towns.txt"));
    assertNotEquals(after, ModelDirectory.fingerprint(m), "a renamed file is another model");
  }

  @Test
  void bytesCannotMoveBetweenFiles() throws IOException {
    assertNotEquals(ModelDirectory.fingerprint(model("a", "{}x", new byte[] {1})),
        ModelDirectory.fingerprint(model("b", "{}", new byte[] {'x', 1})));
  }

  @Test
  void anEmptyDirectoryIsNoModel() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    IOException e = assertThrows(IOException.class, () -> ModelDirectory.fingerprint(empty));
    assertTrue(e.getMessage().contains("holds no file"), e.getMessage());
  }
}

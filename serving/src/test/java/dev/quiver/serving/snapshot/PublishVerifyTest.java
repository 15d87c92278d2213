package dev.quiver.serving.snapshot;

import static dev.quiver.serving.snapshot.SnapshotFixtures.GATE;
import static dev.quiver.serving.snapshot.SnapshotFixtures.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorIndex;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version is loaded aside with the serving loader and checked before CURRENT moves; whatever
 * refuses it leaves CURRENT and every existing version byte for byte as they were.
 */
class PublishVerifyTest {
  @TempDir Path work;
  private Path root;

  @BeforeEach
  void publishFirstVersion() throws IOException {
    root = work.resolve("root");
    publish(new SnapshotWriter(root, 3, GATE), work, Items.random(1), 10);
  }

  /** Every file under the root but the publishers' lock, as bytes. */
  private Map<String, String> tree() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        if (!p.getFileName().toString().equals(".lock")) {
          files.put(root.relativize(p).toString(), Arrays.toString(Files.readAllBytes(p)));
        }
      }
    }
    return files;
  }

  private IOException refused(SnapshotWriter writer, SnapshotSource source, Map<String, String> before)
      throws IOException {
    IOException e = assertThrows(IOException.class, () -> writer.publish(source));
    assertEquals(before, tree(), "the root changed");
    assertEquals(1, SnapshotLayout.current(root));
    return e;
  }

  private static Path flatFile(Path file, Items items) throws IOException {
    try (VectorStore store = items.store(); VectorIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      index.write(file);
    }
    return file;
  }

  @Test
  void aModelOfAnotherDimensionIsRefused() throws IOException {
    Map<String, String> before = tree();
    Path model = FakeModel.write(work.resolve("narrow"), 8, 3);
    Path index = flatFile(work.resolve("items.qvi"), Items.random(2));
    IOException e = refused(new SnapshotWriter(root, 3, GATE), SnapshotSource.ofFile(model, index, Params.DEFAULT),
        before);
    assertTrue(e.getMessage().startsWith("refusing to publish version 2 to " + root + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("the model produces vectors of dimension 8, the index holds 16"), e.getMessage());
    assertFalse(e.getMessage().contains(".tmp-"), "names the version, not its temporary directory: " + e.getMessage());
  }

  @Test
  void aCorruptIndexFileIsNeverCopiedOrLinkedUnderAFreshChecksum() throws IOException {
    Map<String, String> before = tree();
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 3);
    Path index = flatFile(work.resolve("items.qvi"), Items.random(2));
    byte[] bytes = Files.readAllBytes(index);
    bytes[bytes.length - 5] ^= 0x40;
    Files.write(index, bytes);
    for (SnapshotSource source : List.of(SnapshotSource.ofFile(model, index, Params.DEFAULT),
        SnapshotSource.ofFile(model, index, Params.DEFAULT).linked())) {
      IOException e = refused(new SnapshotWriter(root, 3, GATE), source, before);
      assertTrue(e.getMessage().startsWith(index + ": index body checksum mismatch"), e.getMessage());
    }
  }

  @Test
  void aFailedCheckRefusesThePublish() throws IOException {
    Map<String, String> before = tree();
    PublishGate<FakeModel> strict = GATE.andCheck(s -> {
      throw new IOException("recall@10 0.1000 is below the minimum 0.9");
    });
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 3);
    try (VectorStore store = Items.random(2).store();
         VectorIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      IOException e = refused(new SnapshotWriter(root, 3, strict), SnapshotSource.of(model, index, Params.DEFAULT),
          before);
      assertTrue(e.getMessage().endsWith(": recall@10 0.1000 is below the minimum 0.9"), e.getMessage());
    }
  }

  @Test
  void aFullDiskAtThePointerLeavesNoOrphanVersion() throws IOException {
    Map<String, String> before = tree();
    for (PublishStep failAt : List.of(PublishStep.WRITE_POINTER, PublishStep.SWAP_POINTER)) {
      SnapshotWriter full = new SnapshotWriter(root, 3, GATE, step -> {
        if (step == failAt) {
          throw new IOException("No space left on device");
        }
      });
      Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 3);
      try (VectorStore store = Items.random(2).store();
           VectorIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
        refused(full, SnapshotSource.of(model, index, Params.DEFAULT), before);
      }
      assertEquals(List.of(1L), SnapshotLayout.versions(root));
    }
  }

  @Test
  void theLoaderChecksTheIndexFilesOwnChecksumNotOnlyTheManifests() throws IOException {
    Path dir = root.resolve("v-1");
    Path index = dir.resolve(SnapshotLayout.INDEX);
    byte[] bytes = Files.readAllBytes(index);
    bytes[bytes.length - 5] ^= 0x40;
    Files.write(index, bytes);
    Manifest m = Manifest.read(dir.resolve(SnapshotLayout.MANIFEST));
    List<Manifest.FileEntry> files = m.files().stream().map(f -> !f.path().equals(SnapshotLayout.INDEX) ? f
        : new Manifest.FileEntry(f.path(), f.size(), crc(index))).toList();
    new Manifest(m.formatVersion(), m.version(), m.createdAt(), m.modelFingerprint(), m.index(), m.itemCount(), files)
        .write(dir.resolve(SnapshotLayout.MANIFEST));
    IOException e = assertThrows(IOException.class, () -> GATE.verify(dir));
    assertTrue(e.getMessage().startsWith(index + ": index body checksum mismatch"), e.getMessage());
  }

  private static String crc(Path file) {
    try {
      return Durable.crc32c(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

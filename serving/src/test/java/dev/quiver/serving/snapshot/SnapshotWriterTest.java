package dev.quiver.serving.snapshot;

import static dev.quiver.serving.snapshot.SnapshotFixtures.GATE;
import static dev.quiver.serving.snapshot.SnapshotFixtures.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.FlatIndex;
import dev.quiver.engine.Metric;
import dev.quiver.engine.Params;
import dev.quiver.engine.VectorStore;
import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the publisher writes, the versions it picks and keeps, and what it refuses. */
class SnapshotWriterTest {
  @TempDir Path work;

  @Test
  void aManifestWrittenBeforeItemCutoffsReadsItsPublishTimeAsTheCutoff() throws IOException {
    Path root = work.resolve("root");
    Manifest m = publish(new SnapshotWriter(root, 2, GATE), work, Items.random(1), 10);
    Path file = root.resolve("v-1").resolve(SnapshotLayout.MANIFEST);
    String json = Files.readString(file);
    String stripped = json.replaceAll(",\\s*\"itemCutoff\"\\s*:\\s*\"[^\"]*\"", "");
    assertTrue(!stripped.contains("itemCutoff") && !stripped.equals(json), stripped);
    Files.writeString(file, stripped);
    assertEquals(m.createdAt(), Manifest.read(file).itemCutoff());
  }

  @Test
  void manifestRecordsTheModelTheIndexAndEveryFile() throws IOException {
    Path root = work.resolve("root");
    Instant before = Instant.now();
    Manifest m = publish(new SnapshotWriter(root, 2, GATE), work, Items.random(1), 10);
    Path dir = root.resolve("v-1");
    assertEquals(m, Manifest.read(dir.resolve(SnapshotLayout.MANIFEST)));
    assertEquals(Manifest.FORMAT, m.formatVersion());
    assertTrue(!Instant.parse(m.createdAt()).isBefore(before.minusSeconds(1)));
    assertEquals(ModelDirectory.fingerprint(work.resolve("model-10")), m.modelFingerprint());
    assertEquals("flat", m.index().kind());
    assertEquals(Metric.INNER_PRODUCT, m.metric());
    assertEquals(SnapshotFixtures.DIM, m.index().dimension());
    assertEquals(SnapshotFixtures.N, m.itemCount());
    List<String> paths = m.files().stream().map(Manifest.FileEntry::path).toList();
    assertEquals(List.of("index.qvi", "items.ids", "model/model.json", "model/model.safetensors", "model/vocab.txt"),
        paths);
    for (Manifest.FileEntry f : m.files()) {
      assertEquals(Files.size(dir.resolve(f.path())), f.size());
      assertEquals(Durable.crc32c(dir.resolve(f.path())), f.crc32c());
    }
    assertEquals(1, SnapshotLayout.current(root));
  }

  @Test
  void itemHeadsGetAnIndexEachListedInTheManifestAndOneIndexWritesNoList() throws IOException {
    Path root = work.resolve("root");
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 1);
    SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
    try (VectorStore a = Items.random(1).store();
         VectorStore b = Items.random(2).store();
         FlatIndex click = FlatIndex.build(a, null, Metric.INNER_PRODUCT);
         FlatIndex buy = FlatIndex.build(b, null, Metric.INNER_PRODUCT)) {
      Manifest single = writer.publish(SnapshotSource.of(model, click, Params.DEFAULT));
      assertTrue(single.itemHeads().isEmpty());
      assertTrue(!Files.readString(root.resolve("v-1").resolve(SnapshotLayout.MANIFEST)).contains("itemHeads"),
          "a single-index manifest reads as before");
      Manifest m = writer.publish(SnapshotSource.ofHeads(model, List.of(new SnapshotSource.ItemHead("click", click),
          new SnapshotSource.ItemHead("buy", buy)), Params.DEFAULT));
      assertEquals(List.of(new Manifest.ItemHead("click", "index.qvi"), new Manifest.ItemHead("buy", "index-h1.qvi")),
          m.itemHeads());
      assertEquals(m, Manifest.read(root.resolve("v-2").resolve(SnapshotLayout.MANIFEST)));
      assertTrue(m.file("index-h1.qvi") != null);
    }
  }

  @Test
  void versionsRiseRetentionPrunesTheOldestAndExplicitVersionsMustRise() throws IOException {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 2, GATE);
    for (int v = 1; v <= 4; v++) {
      assertEquals(v, publish(writer, work, Items.random(v), 10).version());
    }
    assertEquals(List.of(3L, 4L), SnapshotLayout.versions(root));
    assertEquals(3, SnapshotLayout.previous(root, 4));
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 1);
    try (VectorStore store = Items.random(5).store();
         FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      SnapshotSource source = SnapshotSource.of(model, index, Params.DEFAULT);
      var e = assertThrows(IllegalArgumentException.class, () -> writer.publish(source.withVersion(4)));
      assertTrue(e.getMessage().contains("not above the newest"), e.getMessage());
      assertEquals(10, writer.publish(source.withVersion(10)).version());
    }
    assertEquals(List.of(4L, 10L), SnapshotLayout.versions(root));
  }

  @Test
  void anIndexFileIsLinkedOrCopiedAndIndexesWithTheirOwnIdsAreRefused() throws IOException {
    Path root = work.resolve("root");
    Items items = Items.random(1);
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 1);
    Path file = work.resolve("prebuilt.qvi");
    try (VectorStore store = items.store();
         FlatIndex plain = FlatIndex.build(store, null, Metric.INNER_PRODUCT);
         FlatIndex withIds = FlatIndex.build(store, items.ids(), Metric.INNER_PRODUCT)) {
      plain.write(file);
      SnapshotWriter writer = new SnapshotWriter(root, 3, GATE);
      writer.publish(SnapshotSource.ofFile(model, file, Params.DEFAULT).linked());
      writer.publish(SnapshotSource.ofFile(model, file, Params.DEFAULT));
      assertEquals(Files.readAllBytes(file).length, Files.size(root.resolve("v-2").resolve(SnapshotLayout.INDEX)));
      var e = assertThrows(IllegalArgumentException.class,
          () -> writer.publish(SnapshotSource.of(model, withIds, Params.DEFAULT)));
      assertTrue(e.getMessage().contains("without ids"), e.getMessage());
      assertEquals(List.of(1L, 2L), SnapshotLayout.versions(root), "a refused publish leaves no version");
    }
    var e = assertThrows(IOException.class, () -> new SnapshotWriter(root, 3, GATE)
        .publish(SnapshotSource.ofFile(work.resolve("no-model"), file, Params.DEFAULT)));
    assertTrue(e.getMessage().contains("no-model"), e.getMessage());
  }

  @Test
  void duplicateItemIdsAreRefusedBeforeAnythingIsPublished() throws IOException {
    Path root = work.resolve("root");
    Items items = Items.random(1);
    long[] ids = items.ids().clone();
    ids[1500] = ids[20];
    Path model = FakeModel.write(work.resolve("m"), SnapshotFixtures.DIM, 1);
    try (VectorStore store = items.store();
         FlatIndex index = FlatIndex.build(store, null, Metric.INNER_PRODUCT)) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> new SnapshotWriter(root, 2, GATE).publish(SnapshotSource.of(model, index, Params.DEFAULT).withIds(ids)));
      assertTrue(e.getMessage().contains("duplicate item id " + ids[20]), e.getMessage());
    }
    assertEquals(List.of(), SnapshotLayout.versions(root));
    assertTrue(!Files.exists(root.resolve(SnapshotLayout.CURRENT)));
  }

  @Test
  void pacedChecksumsEqualUnpacedOnesAndAPacedLoaderServes() throws IOException {
    byte[] bytes = new byte[(20 << 20) + 13];
    new java.util.Random(3).nextBytes(bytes);
    Path file = Files.write(work.resolve("big.bin"), bytes);
    java.util.zip.CRC32C reference = new java.util.zip.CRC32C();
    reference.update(bytes);
    String expected = java.util.HexFormat.of().toHexDigits((int) reference.getValue());
    assertEquals(expected, Durable.crc32c(file));
    assertEquals(expected, Durable.crc32c(file, 0.5));
    Path root = work.resolve("root");
    publish(new SnapshotWriter(root, 1, GATE), work, Items.random(1), 10);
    Snapshot<FakeModel> s = SnapshotFixtures.loader().checksumCpuShare(0.25).load(root.resolve("v-1"));
    assertEquals(1, s.version());
    s.retire();
    var e = assertThrows(IllegalArgumentException.class, () -> SnapshotFixtures.loader().checksumCpuShare(0));
    assertTrue(e.getMessage().contains("0.0"), e.getMessage());
  }

  @Test
  void badArgumentsAreNamed() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SnapshotWriter(work, 0, GATE));
    assertTrue(e.getMessage().contains("0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SnapshotLayout.dirName(-3));
    assertTrue(e.getMessage().contains("-3"), e.getMessage());
    assertEquals(-1, SnapshotLayout.version("v-0"));
    assertEquals(-1, SnapshotLayout.version(".tmp-3"));
    assertEquals(12, SnapshotLayout.version("v-12"));
  }
}

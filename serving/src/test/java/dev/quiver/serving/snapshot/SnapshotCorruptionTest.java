package dev.quiver.serving.snapshot;

import static dev.quiver.serving.snapshot.SnapshotFixtures.answers;
import static dev.quiver.serving.snapshot.SnapshotFixtures.loader;
import static dev.quiver.serving.snapshot.SnapshotFixtures.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each way a published version can be damaged is refused with its cause reported, the version
 * being served keeps answering exactly as before, and the next good version is loaded.
 */
class SnapshotCorruptionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path work;
  private final float[][] queries = SnapshotFixtures.queries(5, 10);

  /** A damage to version directory {@code dir} and a fragment of the message that must report it. */
  enum Corruption {
    MISSING_INDEX("missing") {
      void apply(Path dir, Path work) throws IOException {
        Files.delete(dir.resolve(SnapshotLayout.INDEX));
      }
    },
    MISSING_MODEL_WEIGHTS("missing") {
      void apply(Path dir, Path work) throws IOException {
        Files.delete(dir.resolve("model/model.safetensors"));
      }
    },
    MISSING_MANIFEST("manifest.json") {
      void apply(Path dir, Path work) throws IOException {
        Files.delete(dir.resolve(SnapshotLayout.MANIFEST));
      }
    },
    TRUNCATED_INDEX("truncated") {
      void apply(Path dir, Path work) throws IOException {
        truncate(dir.resolve(SnapshotLayout.INDEX));
      }
    },
    TRUNCATED_IDS("truncated") {
      void apply(Path dir, Path work) throws IOException {
        truncate(dir.resolve(SnapshotLayout.IDS));
      }
    },
    INDEX_CHECKSUM("checksum mismatch") {
      void apply(Path dir, Path work) throws IOException {
        flipByte(dir.resolve(SnapshotLayout.INDEX));
      }
    },
    IDS_CHECKSUM("checksum mismatch") {
      void apply(Path dir, Path work) throws IOException {
        flipByte(dir.resolve(SnapshotLayout.IDS));
      }
    },
    MODEL_CHECKSUM("checksum mismatch") {
      void apply(Path dir, Path work) throws IOException {
        flipByte(dir.resolve("model/model.safetensors"));
      }
    },
    /** Another model beside the index, the manifest's file entries made to match it. */
    FINGERPRINT("fingerprint mismatch") {
      void apply(Path dir, Path work) throws IOException {
        FakeModel.write(dir.resolve(SnapshotLayout.MODEL), SnapshotFixtures.DIM, 999);
        rewriteManifest(dir, m -> { });
      }
    },
    /** The manifest records another dimension than the index holds. */
    WRONG_DIMENSION_IN_MANIFEST("dimension") {
      void apply(Path dir, Path work) throws IOException {
        rewriteManifest(dir, m -> ((ObjectNode) m.get("index")).put("dimension", 32));
      }
    },
    /** A consistent snapshot whose model produces vectors of another dimension than the index. */
    WRONG_MODEL_DIMENSION("dimension 24") {
      void apply(Path dir, Path work) throws IOException {
        FakeModel.write(dir.resolve(SnapshotLayout.MODEL), 24, 20);
        rewriteManifest(dir, m -> { });
        ObjectNode m = (ObjectNode) JSON.readTree(dir.resolve(SnapshotLayout.MANIFEST).toFile());
        m.put("modelFingerprint", ModelDirectory.fingerprint(dir.resolve(SnapshotLayout.MODEL)));
        JSON.writeValue(dir.resolve(SnapshotLayout.MANIFEST).toFile(), m);
      }
    },
    BAD_MANIFEST_JSON("bad snapshot manifest") {
      void apply(Path dir, Path work) throws IOException {
        Files.writeString(dir.resolve(SnapshotLayout.MANIFEST), "{\"formatVersion\": 1, \"version\": ");
      }
    },
    MANIFEST_MISSING_FIELD("bad snapshot manifest") {
      void apply(Path dir, Path work) throws IOException {
        rewriteManifest(dir, m -> ((ObjectNode) m).remove("modelFingerprint"));
      }
    },
    MANIFEST_FORMAT_VERSION("format version 7") {
      void apply(Path dir, Path work) throws IOException {
        rewriteManifest(dir, m -> ((ObjectNode) m).put("formatVersion", 7));
      }
    },
    MANIFEST_OF_ANOTHER_VERSION("manifest of version 9") {
      void apply(Path dir, Path work) throws IOException {
        rewriteManifest(dir, m -> ((ObjectNode) m).put("version", 9));
      }
    },
    MANIFEST_PATH_ESCAPES("file path '../x'") {
      void apply(Path dir, Path work) throws IOException {
        rewriteManifest(dir, m -> ((ObjectNode) m.get("files").get(0)).put("path", "../x"));
      }
    };

    final String reported;

    Corruption(String reported) {
      this.reported = reported;
    }

    abstract void apply(Path dir, Path work) throws IOException;
  }

  @ParameterizedTest
  @EnumSource(Corruption.class)
  void refusedWhileTheServedVersionKeepsAnswering(Corruption corruption) throws IOException {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 5);
    Items first = Items.random(1);
    publish(writer, work, first, 10);
    List<String> reports = new ArrayList<>();
    SnapshotListener listener = new SnapshotListener() {
      @Override
      public void failed(long version, Throwable cause) {
        reports.add(version + ": " + cause.getMessage());
      }
    };
    try (SnapshotManager<FakeModel> manager = new SnapshotManager<>(root, loader(), listener, Duration.ofSeconds(1))) {
      manager.start();
      String before;
      try (Lease<FakeModel> lease = manager.acquire()) {
        before = answers(lease, queries);
      }
      publish(writer, work, Items.random(2), 20);
      corruption.apply(root.resolve("v-2"), work);

      assertFalse(manager.refresh(), "a damaged version must not be served");
      assertEquals(1, manager.version());
      assertEquals(2, manager.lastFailure().version());
      String message = manager.lastFailure().cause().getMessage();
      assertTrue(message.contains(corruption.reported), message);
      assertEquals(1, reports.size());
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(before, answers(lease, queries));
      }
      assertFalse(manager.refresh(), "the failed version is not retried");
      assertEquals(1, reports.size());

      Items third = Items.random(3);
      publish(writer, work, third, 30);
      assertTrue(manager.refresh(), "the next version loads");
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(third.expected(queries), answers(lease, queries));
      }
    }
  }

  /**
   * Sizes-first loading serves at once; the checksum found wrong later rolls back. (The model is
   * fingerprinted before serving in every mode, so damaged weights never serve.)
   */
  @ParameterizedTest
  @EnumSource(value = Corruption.class, names = {"INDEX_CHECKSUM", "IDS_CHECKSUM"})
  void backgroundChecksumMismatchRollsBack(Corruption corruption) throws IOException {
    Path root = work.resolve("root");
    SnapshotWriter writer = new SnapshotWriter(root, 5);
    Items first = Items.random(1);
    publish(writer, work, first, 10);
    // The verifier runs when asked, so the test sees the snapshot serve before its checksums are read.
    List<Runnable> pending = new ArrayList<>();
    SnapshotLoader<FakeModel> loader = SnapshotLoader.of(FakeModel.LOADER)
        .verification(Verification.SIZES_THEN_BACKGROUND).executors(SnapshotFixtures.INLINE, pending::add);
    try (SnapshotManager<FakeModel> manager = new SnapshotManager<>(root, loader, new SnapshotListener() { },
        Duration.ofSeconds(1))) {
      manager.start();
      pending.removeFirst().run();
      publish(writer, work, Items.random(2), 20);
      corruption.apply(root.resolve("v-2"), work);
      assertTrue(manager.refresh(), "sizes match: served before its checksums are read");
      assertEquals(2, manager.version());
      pending.removeFirst().run();
      assertEquals(1, manager.version(), "rolled back once the mismatch was found");
      assertTrue(manager.lastFailure().cause().getMessage().contains("checksum mismatch"));
      assertEquals(1, SnapshotLayout.current(root));
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(first.expected(queries), answers(lease, queries));
      }
    }
  }

  private static void truncate(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() - 8);
    }
  }

  private static void flipByte(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long at = raf.length() - 5;
      raf.seek(at);
      int b = raf.read();
      raf.seek(at);
      raf.write(b ^ 0x40);
    }
  }

  /** Edits the manifest's JSON, after recomputing every file entry from the files as they are now. */
  private static void rewriteManifest(Path dir, java.util.function.Consumer<com.fasterxml.jackson.databind.JsonNode> edit)
      throws IOException {
    Path file = dir.resolve(SnapshotLayout.MANIFEST);
    ObjectNode m = (ObjectNode) JSON.readTree(file.toFile());
    var files = m.putArray("files");
    for (Path f : Durable.files(dir)) {
      String rel = dir.relativize(f).toString();
      if (!rel.equals(SnapshotLayout.MANIFEST)) {
        files.addObject().put("path", rel).put("size", Files.size(f)).put("crc32c", Durable.crc32c(f));
      }
    }
    edit.accept(m);
    JSON.writeValue(file.toFile(), m);
  }
}

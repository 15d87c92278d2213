package dev.quiver.serving.snapshot;

import static dev.quiver.serving.snapshot.SnapshotFixtures.answers;
import static dev.quiver.serving.snapshot.SnapshotFixtures.loader;
import static dev.quiver.serving.snapshot.SnapshotFixtures.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.serving.snapshot.SnapshotFixtures.Items;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash at every step of publishing: the root as it was at that instant (copied from inside the
 * step hook, before the step runs) and the root after the aborted publish both load, serving the
 * old version if the crash came before the pointer swap and the new one after; the next publish
 * into either succeeds and leaves no leftovers.
 */
class SnapshotPublishCrashTest {
  @TempDir Path work;
  private final float[][] queries = SnapshotFixtures.queries(8, 10);

  @ParameterizedTest
  @EnumSource(PublishStep.class)
  void crashAtAnyStepLeavesALoadableRoot(PublishStep crashAt) throws IOException {
    Path root = work.resolve("root");
    Path frozen = work.resolve("frozen");
    Items old = Items.random(1);
    Items next = Items.random(2);
    publish(new SnapshotWriter(root, 3), work, old, 10);
    SnapshotWriter crashing = new SnapshotWriter(root, 3, step -> {
      if (step == crashAt) {
        SnapshotFixtures.copyTree(root, frozen);
        throw new IOException("simulated crash before " + step);
      }
    });
    IOException e = assertThrows(IOException.class, () -> publish(crashing, work, next, 20));
    assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());

    Items expected = crashAt == PublishStep.PRUNE ? next : old;
    long expectedVersion = crashAt == PublishStep.PRUNE ? 2 : 1;
    for (Path r : new Path[] {frozen, root}) {
      assertServes(r, expectedVersion, expected);
      Items after = Items.random(3);
      long published = publish(new SnapshotWriter(r, 3), work, after, 30).version();
      assertServes(r, published, after);
      assertEquals(List.of(), leftovers(r), "leftovers of the crash in " + r);
    }
  }

  private void assertServes(Path root, long version, Items items) throws IOException {
    try (SnapshotManager<FakeModel> manager = new SnapshotManager<>(root, loader(), new SnapshotListener() { },
        Duration.ofSeconds(1))) {
      manager.start();
      try (Lease<FakeModel> lease = manager.acquire()) {
        assertEquals(version, lease.version(), root.toString());
        assertEquals(items.expected(queries), answers(lease, queries));
      }
    }
  }

  private static List<String> leftovers(Path root) throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      return entries.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(SnapshotLayout.TEMP_PREFIX) || n.equals(SnapshotLayout.POINTER_TEMP))
          .toList();
    }
  }
}

package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.tools.SyntheticTwoTower;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.serving.snapshot.SnapshotLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator meets: a version that no service could load is refused before CURRENT moves,
 * and the root keeps serving the old version byte for byte; list, verify, rollback and gc.
 */
class SnapshotOperatorTest {
  private static final int N = 600;
  @TempDir Path dir;
  private Path root;
  private Path model;

  @BeforeEach
  void publishFirstVersion() throws IOException {
    root = dir.resolve("root");
    model = dir.resolve("model");
    SyntheticTwoTower.write(model, 3, 0, 1);
    writeItems(dir.resolve("items.fvecs"), SyntheticTwoTower.DIM);
    List<String> users = new ArrayList<>();
    for (int u = 0; u < 20; u++) {
      users.add("{\"user_id\": " + (u * 37 + 1) + ", \"interests\": [\"c" + u + "\", \"c" + (u * 3) + "\"], \"age\": "
          + (20 + u) + ", \"country\": \"fr\"}");
    }
    Files.write(dir.resolve("users.jsonl"), users);
    assertEquals(0, build("--index", "flat").exit());
  }

  private Cli build(String... more) {
    List<String> args = new ArrayList<>(List.of("build-snapshot", "--items", dir.resolve("items.fvecs").toString(),
        "--model", model.toString(), "--root", root.toString(), "--no-progress"));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(new String[0]));
  }

  private static void writeItems(Path file, int dim) throws IOException {
    Random rnd = new Random(dim);
    float[][] rows = new float[N][dim];
    for (float[] row : rows) {
      for (int j = 0; j < dim; j++) {
        row[j] = (float) rnd.nextGaussian();
      }
    }
    VectorFiles.writeFloats(file, rows);
  }

  /** Every file of the root but the publishers' lock, by path, as bytes. */
  private Map<String, String> tree() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        if (!p.getFileName().toString().equals(".lock")) {
          files.put(root.relativize(p).toString(), java.util.Arrays.toString(Files.readAllBytes(p)));
        }
      }
    }
    return files;
  }

  private void assertRefusedAndUntouched(Cli r, Map<String, String> before, String... reason) throws IOException {
    assertEquals(2, r.exit(), r::toString);
    assertEquals(1, r.err().strip().lines().count(), r::toString);
    for (String s : reason) {
      assertTrue(r.err().contains(s), () -> "missing '" + s + "' in " + r);
    }
    assertEquals(before, tree(), "the root changed");
    assertEquals(1, SnapshotLayout.current(root));
  }

  @Test
  void modelOfAnotherDimensionIsRefused() throws IOException {
    Map<String, String> before = tree();
    writeItems(dir.resolve("items.fvecs"), 16);
    assertRefusedAndUntouched(build("--index", "flat"), before, "refusing to publish version 2",
        "the model produces vectors of dimension 32, the index holds 16");
  }

  @Test
  void weightsThatDoNotMatchTheConfigAreRefused() throws IOException {
    Map<String, String> before = tree();
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(model.resolve("model.json").toFile());
    ((ObjectNode) config.at("/towers/user/features/1")).put("buckets", 7);
    json.writeValue(model.resolve("model.json").toFile(), config);
    assertRefusedAndUntouched(build("--index", "flat"), before, "refusing to publish version 2",
        model.toString(), "user.embeddings.user_id.weight");
  }

  @Test
  void corruptIndexFileIsRefusedNamingIt() throws IOException {
    Path copy = dir.resolve("given.qvi");
    Files.copy(root.resolve("v-1/index.qvi"), copy);
    byte[] bytes = Files.readAllBytes(copy);
    bytes[bytes.length - 9] ^= 0x10;
    Files.write(copy, bytes);
    Map<String, String> before = tree();
    assertRefusedAndUntouched(build("--index-file", copy.toString()), before, copy.toString(), "checksum");
  }

  @Test
  void recallBelowTheMinimumIsRefused() throws IOException {
    Map<String, String> before = tree();
    Cli r = build("--index", "ivf-flat", "--build", "nlist=32", "--search", "nprobe=1", "--users",
        dir.resolve("users.jsonl").toString(), "--min-recall", "0.95");
    assertRefusedAndUntouched(r, before, "recall@100", "below the minimum 0.95");

    r = build("--index", "ivf-flat", "--build", "nlist=32", "--search", "nprobe=32", "--users",
        dir.resolve("users.jsonl").toString(), "--min-recall", "0.95");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("recall@100 1.0000 over 20 given users"), r::toString);
    assertEquals(2, SnapshotLayout.current(root));
  }

  @Test
  void listVerifyRollbackAndGc() throws IOException {
    assertEquals(0, build("--index", "hnsw", "--build", "M=8,efConstruction=40").exit());
    Cli list = Cli.run("snapshot", "list", "--root", root.toString());
    assertEquals(0, list.exit(), list::toString);
    assertTrue(Pattern.compile("v-1 +[0-9a-f]{12} +flat +600 ").matcher(list.out()).find(), list::toString);
    assertTrue(Pattern.compile("v-2 +CURRENT +[0-9a-f]{12} +hnsw +600 ").matcher(list.out()).find(), list::toString);

    Cli verify = Cli.run("snapshot", "verify", "--root", root.toString(), "--version", "1", "--users",
        dir.resolve("users.jsonl").toString(), "--k", "100");
    assertEquals(0, verify.exit(), verify::toString);
    assertTrue(verify.out().contains("recall@100 1.0000"), verify::toString);
    verify = Cli.run("snapshot", "verify", "--root", root.toString(), "--users", dir.resolve("users.jsonl").toString(),
        "--k", "10", "--search", "efSearch=200");
    Matcher m = Pattern.compile("recall@10 (0\\.\\d{4}|1\\.0000)").matcher(verify.out());
    assertTrue(m.find() && Double.parseDouble(m.group(1)) > 0.9, verify::toString);

    Cli back = Cli.run("snapshot", "rollback", "--root", root.toString());
    assertEquals(0, back.exit(), back::toString);
    assertEquals(1, SnapshotLayout.current(root));

    Files.createDirectories(root.resolve(".tmp-3-killed/model"));
    Files.createDirectories(root.resolve("v-9"));
    Files.writeString(root.resolve("CURRENT.tmp"), "v-3\n");
    Cli gc = Cli.run("snapshot", "gc", "--root", root.toString());
    assertEquals(0, gc.exit(), gc::toString);
    assertTrue(gc.out().contains("removed 3"), gc::toString);
    assertEquals(List.of(1L, 2L), SnapshotLayout.versions(root));
    assertFalse(Files.exists(root.resolve(".tmp-3-killed")));
    gc = Cli.run("snapshot", "gc", "--root", root.toString(), "--newer");
    assertTrue(gc.out().contains("removed 1: v-2"), gc::toString);
    assertEquals(List.of(1L), SnapshotLayout.versions(root));
  }

  @Test
  void verifyAndRollbackRefuseACorruptVersion() throws IOException {
    assertEquals(0, build("--index", "flat").exit());
    Path index = root.resolve("v-1/index.qvi");
    byte[] bytes = Files.readAllBytes(index);
    bytes[bytes.length / 2] ^= 1;
    Files.write(index, bytes);
    Cli verify = Cli.run("snapshot", "verify", "--root", root.toString(), "--version", "1");
    assertEquals(2, verify.exit(), verify::toString);
    assertTrue(verify.err().startsWith("quiver snapshot verify: ") && verify.err().contains("corrupt"), verify::toString);
    Cli back = Cli.run("snapshot", "rollback", "--root", root.toString(), "--to", "1");
    assertEquals(2, back.exit(), back::toString);
    assertEquals(2, SnapshotLayout.current(root));
  }

  @Test
  void aRootThatIsAFileIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("plain"), "x");
    for (String sub : new String[] {"list", "verify", "rollback", "gc"}) {
      Cli r = Cli.run("snapshot", sub, "--root", file.toString());
      assertEquals(2, r.exit(), r::toString);
      assertTrue(r.err().contains(file + ": --root is a file"), r::toString);
    }
    Cli r = Cli.run("build-snapshot", "--items", dir.resolve("items.fvecs").toString(), "--model", model.toString(),
        "--index", "flat", "--root", file.toString(), "--no-progress");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(file + ": --root is a file"), r::toString);
  }
}

package dev.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.tower.SafeTensors;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quiver embed} on the tower-runtime fixtures writes PyTorch's vectors, line by line and head by head. */
class EmbedCommandTest {
  private static final Path FIXTURES = Path.of("..", "tower-runtime", "src", "test", "resources", "tower");

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({"basic,user,npy,200,1", "rich,item,fvecs,300,3"})
  void writesOneRowPerLineAndHead(String variant, String tower, String ext, int lines, int heads)
      throws Exception {
    Path model = FIXTURES.resolve(variant), out = tmp.resolve("v." + ext);
    Cli r = Cli.run("embed", "--model", model.toString(), "--tower", tower,
        "--input", model.resolve(tower + ".jsonl").toString(), "--out", out.toString(), "--batch", "64");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("embedded " + lines + " rows"), r::toString);
    SafeTensors expected = SafeTensors.open(model.resolve("expected.safetensors"));
    long dim = expected.entry(tower).shape()[2];
    try (VectorStore got = VectorFiles.readFloats(out); Arena arena = Arena.ofConfined()) {
      float[] want = expected.read(tower, new long[] {lines, heads, dim}, arena).toArray(ValueLayout.JAVA_FLOAT);
      assertEquals(lines * heads, got.size());
      assertEquals(dim, got.dimension());
      for (int v = 0; v < got.size(); v++) {
        float[] row = got.get(v);
        for (int j = 0; j < dim; j++) {
          float w = want[(int) (v * dim + j)];
          assertEquals(w, row[j], 1e-5f * Math.max(1f, Math.abs(w)), "vector " + v + " component " + j);
        }
      }
    }
  }

  @Test
  void badInputIsNamed() throws Exception {
    Path model = FIXTURES.resolve("basic");
    Cli r = Cli.run("embed", "--model", model.toString(), "--tower", "users",
        "--input", model.resolve("user.jsonl").toString(), "--out", tmp.resolve("v.npy").toString());
    assertEquals(QuiverCli.BAD_INPUT, r.exit(), r::toString);
    assertTrue(r.err().contains("'users'"), r::toString);
    Path rows = Files.writeString(tmp.resolve("rows.jsonl"), "{\"user_id\": 1}\n{\"usr_id\": 2}\n");
    r = Cli.run("embed", "--model", model.toString(), "--input", rows.toString(),
        "--out", tmp.resolve("v.npy").toString());
    assertEquals(QuiverCli.BAD_INPUT, r.exit(), r::toString);
    assertTrue(r.err().contains("rows.jsonl:2") && r.err().contains("'usr_id'"), r::toString);
  }
}

package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export_tower.py's from-state-dict, run for real: skipped where {@code /usr/bin/python3} has no
 * torch (the committed team fixtures, made by the same code, are checked without it).
 */
class ExporterTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path EXPORTER = Path.of("python/export_tower.py");

  @TempDir
  Path tmp;

  @BeforeAll
  static void needsTorch() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
    Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assumeTrue(p.waitFor() == 0, PYTHON + " has no torch");
  }

  private record Run(int code, String output) {}

  private Run export(Path spec, Path stateDict, Path out) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), EXPORTER.toString(), "from-state-dict",
        "--spec", spec.toString(), "--state-dict", stateDict.toString(), "--out", out.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), output);
  }

  @Test
  void reExportingAFixtureGivesTheSameVectors() throws Exception {
    Path fixture = Fixtures.dir("team/share_bottom");
    Path out = tmp.resolve("model");
    Run run = export(fixture.resolve("model.json"), fixture.resolve("model.safetensors"), out);
    assertEquals(0, run.code(), run.output());
    try (TowerModel a = TowerModel.load(fixture); TowerModel b = TowerModel.load(out)) {
      List<FeatureRow> rows = FeatureRows.readJsonl(fixture.resolve("user.jsonl"), a.user());
      List<FeatureRow> rowsB = FeatureRows.readJsonl(fixture.resolve("user.jsonl"), b.user());
      float[] va = new float[rows.size() * a.user().heads() * a.user().dim()];
      float[] vb = va.clone();
      a.user().embedBatch(rows.toArray(FeatureRow[]::new), rows.size(), va);
      b.user().embedBatch(rowsB.toArray(FeatureRow[]::new), rowsB.size(), vb);
      assertArrayEquals(va, vb);
    }
  }

  @Test
  void missingAndMismatchedTensorsAreNamedAndNothingIsWritten() throws Exception {
    Path fixture = Fixtures.dir("team/dssm");
    ObjectMapper json = new ObjectMapper();
    ObjectNode spec = (ObjectNode) json.readTree(fixture.resolve("model.json").toFile());
    ObjectNode user = (ObjectNode) spec.path("towers").path("user");
    ((ObjectNode) user.path("layers").get(0)).put("linear", "user_mlp.1");
    ((ObjectNode) user.path("features").get(0)).put("dim", 9);
    Path bad = tmp.resolve("bad.json");
    json.writeValue(bad.toFile(), spec);
    Path out = tmp.resolve("model");
    Run run = export(bad, fixture.resolve("model.safetensors"), out);
    assertEquals(1, run.code(), run.output());
    assertTrue(run.output().contains("'user_mlp.1.weight' is not in"), run.output());
    assertTrue(run.output().contains("did you mean 'user_mlp.2.weight'"), run.output());
    assertTrue(run.output().contains("[101, 8] but the config needs [101, 9]"), run.output());
    assertFalse(run.output().contains("Traceback"), run.output());
    assertFalse(Files.exists(out));
    try (var left = Files.list(tmp)) {
      assertEquals(List.of(bad), left.toList(), "no temporary directory left behind");
    }
  }

  @Test
  void anExportReplacesAnOlderOneWhole() throws Exception {
    Path out = tmp.resolve("model");
    Path dssm = Fixtures.dir("team/dssm");
    Path senet = Fixtures.dir("team/senet");
    assertEquals(0, export(dssm.resolve("model.json"), dssm.resolve("model.safetensors"), out).code());
    Run run = export(senet.resolve("model.json"), senet.resolve("model.safetensors"), out);
    assertEquals(0, run.code(), run.output());
    assertEquals(ModelFingerprint.of(senet), ModelFingerprint.of(out), "the second export, byte for byte");
  }
}

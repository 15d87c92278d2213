package dev.quiver.cli;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export_tower.py's {@code from-state-dict --check}, run for real against {@code quiver embed}
 * (this module's classes, through a launcher script): the two-objective module of heads of
 * different sizes (team_models.MixedDims) passes on a correct export, and an export whose spec
 * gives one head a temperature the module lacks fails naming that head, writing nothing. Skipped
 * where {@code /usr/bin/python3} has no torch.
 */
class ExportCheckTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path TOWER = Path.of("..", "tower-runtime").toAbsolutePath().normalize();
  private static final Path ROWS = TOWER.resolve("src/test/resources/tower/team/mixed_dims");

  @TempDir static Path tmp;
  private static Path launcher;

  @BeforeAll
  static void stateDictAndLauncher() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
    Run torch = python("-c", "import torch");
    assumeTrue(torch.code() == 0, PYTHON + " has no torch");
    Run saved = python("-c", "import json, torch, team_models as t\n"
        + "torch.save(t.trained(t.MixedDims(), 7).state_dict(), '" + tmp.resolve("model.pt") + "')\n"
        + "json.dump(t.MixedDims.spec, open('" + tmp.resolve("spec.json") + "', 'w'))");
    assertEquals(0, saved.code(), saved.output());
    launcher = tmp.resolve("quiver");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(launcher, "#!/bin/sh\nexec '" + java + "' --add-modules jdk.incubator.vector"
        + " --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
        + "' dev.quiver.cli.QuiverCli \"$@\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Run(int code, String output) {}

  private static Run python(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PYTHONPATH", TOWER.resolve("src/test/python").toString());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), output);
  }

  private static Run export(Path spec, Path out) throws Exception {
    return python(TOWER.resolve("python/export_tower.py").toString(), "from-state-dict", "--spec", spec.toString(),
        "--state-dict", tmp.resolve("model.pt").toString(), "--out", out.toString(),
        "--check", "team_models:MixedDims", "--quiver", launcher.toString(),
        "--rows", ROWS.resolve("user.jsonl") + "," + ROWS.resolve("item.jsonl"));
  }

  @Test
  void aCorrectExportPassesTheCheck() throws Exception {
    Path out = tmp.resolve("good");
    Run run = export(tmp.resolve("spec.json"), out);
    assertEquals(0, run.code(), run.output());
    assertTrue(run.output().matches("(?s).*user: 80 rows, largest relative difference \\d\\.\\d\\de-0[5-9] .*"),
        run.output());
    assertTrue(run.output().matches("(?s).*item: 80 rows, largest relative difference \\d\\.\\d\\de-0[5-9] .*"),
        run.output());
    assertTrue(Files.isRegularFile(out.resolve("model.safetensors")), run.output());
  }

  @Test
  void aWrongExportFailsNamingTheHeadAndWritesNothing() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode spec = (ObjectNode) json.readTree(tmp.resolve("spec.json").toFile());
    ((ObjectNode) spec.path("towers").path("user").path("heads").get(1)).put("temperature", 0.5);
    Path bad = tmp.resolve("bad.json");
    json.writeValue(bad.toFile(), spec);
    Path out = tmp.resolve("bad");
    Run run = export(bad, out);
    assertEquals(1, run.code(), run.output());
    assertTrue(run.output().contains("export_tower.py: user tower head 'like' differs from the module on row "),
        run.output());
    assertTrue(run.output().contains("relative difference 1.00e+00 > 1e-05"), run.output());
    assertFalse(Files.exists(out), "nothing is published at " + out);
  }
}

package dev.quiver.gpu;

import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tower models and requests exported from PyTorch by tower-runtime (its test-jar's
 * {@code tower/VARIANT/}), copied to a directory so that they load from the jar as from a folder.
 */
final class TowerFixtures {
  /** basic: one head, batch-norm; rich: SENet, three heads; half and bf16: F16 and BF16 weights. */
  static final String[] VARIANTS = {"basic", "rich", "half", "bf16"};

  private static final String[] FILES = {"model.json", "model.safetensors", "user.jsonl", "item.jsonl"};

  private TowerFixtures() {}

  /** Copies variant {@code variant} into a new directory under {@code tmp}. */
  static Path copy(String variant, Path tmp) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(variant));
    for (String f : FILES) {
      String resource = "/tower/" + variant + "/" + f;
      try (InputStream in = TowerFixtures.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IOException(resource + " is not on the test class path (tower-runtime's test-jar)");
        }
        Files.copy(in, dir.resolve(f));
      }
    }
    return dir;
  }

  /** The variant's requests for {@code tower}, repeated cyclically to {@code count} rows. */
  static FeatureRow[] rows(Path dir, Tower tower, int count) throws IOException {
    List<FeatureRow> lines = FeatureRows.readJsonl(dir.resolve(tower.name() + ".jsonl"), tower);
    FeatureRow[] rows = new FeatureRow[count];
    for (int i = 0; i < count; i++) {
      rows[i] = lines.get(i % lines.size());
    }
    return rows;
  }

  /**
   * Largest error of {@code got} against {@code want} over vectors of {@code dim} floats, each
   * relative to its vector's norm: |got - want| / |want|.
   */
  static double maxRelativeError(float[] want, float[] got, int vectors, int dim) {
    double worst = 0;
    for (int v = 0; v < vectors; v++) {
      double diff = 0;
      double norm = 0;
      for (int i = v * dim; i < (v + 1) * dim; i++) {
        diff += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
        norm += (double) want[i] * want[i];
      }
      worst = Math.max(worst, Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30));
    }
    return worst;
  }
}

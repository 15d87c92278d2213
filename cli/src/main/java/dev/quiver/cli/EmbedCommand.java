package dev.quiver.cli;

import dev.quiver.engine.HugePages;
import dev.quiver.engine.VectorStore;
import dev.quiver.engine.io.VectorFiles;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.Tower;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerBackends;
import dev.quiver.tower.TowerModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver embed}: runs one tower of a model over feature rows (JSON lines, one object of
 * raw feature values per line) and writes the vectors, one row per input line and head; a tower
 * whose heads differ in dimension gets one row per input line, its heads side by side.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = {"Run a tower of a two-tower model over feature rows and write the vectors.",
        "INPUT has one JSON object of raw feature values per line (docs/TOWER.md);",
        "OUT gets one row per input line and head: line 0 head 0, line 0 head 1, ...;",
        "a tower whose heads differ in dimension gets one row per line, its heads side by side."})
final class EmbedCommand extends QuiverCommand {
  @Option(names = "--model", required = true, description = "Model directory (model.json, model.safetensors).")
  Path model;

  @Option(names = "--tower", defaultValue = "user", description = "user or item (default ${DEFAULT-VALUE}).")
  String tower;

  @Option(names = "--input", required = true, description = "Feature rows, .jsonl.")
  Path input;

  @Option(names = "--out", required = true, description = "Vectors to write: .npy or .fvecs.")
  Path out;

  @Option(names = "--batch", defaultValue = "256", description = "Rows per batch (default ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() throws Exception {
    if (batch <= 0) {
      throw new IllegalArgumentException("--batch must be positive, got " + batch);
    }
    long t0 = System.nanoTime();
    try (Arena arena = Arena.ofShared()) {
      TowerModel m = TowerModel.load(model, arena, HugePages::allocate);
      Tower t = m.tower(tower);
      TowerBackend backend = TowerBackends.select();
      int width = t.width();
      int dim = width == t.heads() * t.headDim(0) ? t.headDim(0) : width;
      FeatureRow[] rows = new FeatureRow[batch];
      for (int i = 0; i < batch; i++) {
        rows[i] = t.newRow();
      }
      float[] vectors = new float[batch * width];
      MemorySegment heap = MemorySegment.ofArray(vectors);
      long lines = 0;
      try (VectorStore store = VectorStore.allocate(dim, 1024);
           FeatureRows reader = FeatureRows.open(input, t)) {
        for (int n; (n = fill(reader, rows)) > 0; lines += n) {
          backend.embed(t, rows, n, vectors);
          store.appendRows(heap, 0, n * (width / dim), ByteOrder.nativeOrder());
        }
        if (lines == 0) {
          throw new IllegalArgumentException(input + ": no feature rows");
        }
        VectorFiles.writeFloats(out, store);
      }
      out().printf("embedded %,d rows with the %s tower (%d heads %s, backend %s) in %.2f s; wrote %s%n",
          lines, tower, t.heads(), t.describeHeads(), backend.name(), (System.nanoTime() - t0) / 1e9, out);
    }
    return 0;
  }

  private static int fill(FeatureRows reader, FeatureRow[] rows) throws java.io.IOException {
    int n = 0;
    while (n < rows.length && reader.next(rows[n])) {
      n++;
    }
    return n;
  }
}

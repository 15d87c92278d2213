package dev.quiver.cli;

import dev.quiver.engine.VectorStore;
import dev.quiver.serving.recall.HeadPairing;
import dev.quiver.serving.recall.ItemEmbedder;
import dev.quiver.tower.FeatureRows;
import dev.quiver.tower.TowerBackend;
import dev.quiver.tower.TowerModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Item vectors computed by the model's own item tower from item feature rows (JSON lines, the
 * format of {@code quiver embed}), in batches on the selected tower backend: the offline step that
 * pairs an index with the model that produced its vectors.
 */
record TowerItemVectors(Path features, Path model, TowerBackend backend, IntConsumer progress)
    implements ItemVectorSource {

  @Override
  public String describe() {
    return "item features " + features + " through the item tower (" + backend.name() + ")";
  }

  @Override
  public VectorStore vectors() throws IOException {
    List<VectorStore> heads = headVectors();
    if (heads.size() != 1) {
      heads.forEach(VectorStore::close);
      throw new IllegalArgumentException(model + ": the item tower has " + heads.size()
          + " heads, one set of vectors each");
    }
    return heads.getFirst();
  }

  /** The item heads, refused when they cannot pair with the user heads at serving time. */
  @Override
  public List<String> headNames() throws IOException {
    try (TowerModel m = TowerModel.load(model)) {
      try {
        HeadPairing.of(m, m.item().heads());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
      }
      return m.item().heads() == 1 ? List.of() : m.item().headNames();
    }
  }

  @Override
  public List<VectorStore> headVectors() throws IOException {
    int count = countRows(features);
    if (count == 0) {
      throw new IOException(features + ": no item feature rows");
    }
    try (TowerModel m = TowerModel.load(model);
         FeatureRows rows = FeatureRows.open(features, m.item())) {
      return ItemEmbedder.embedHeads(m.item(), backend, count, (i, row) -> {
        if (!rows.next(row)) {
          throw new IOException(features + ": ended before row " + (i + 1) + " of " + count);
        }
      }, progress);
    }
  }

  /** Non-blank lines, as {@link FeatureRows} reads them. */
  static int countRows(Path file) throws IOException {
    int n = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        n += line.isBlank() ? 0 : 1;
      }
    }
    return n;
  }
}

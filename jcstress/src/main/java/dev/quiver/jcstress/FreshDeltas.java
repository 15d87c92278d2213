package dev.quiver.jcstress;

import dev.quiver.engine.Metric;
import dev.quiver.engine.SearchResults;
import dev.quiver.serving.recall.DeltaSegment;
import dev.quiver.serving.recall.FreshConfig;
import java.nio.file.Path;

/** Small delta segments for the fresh-item stress tests, scanned exactly or through their graph. */
final class FreshDeltas {
  static final int DIM = 4;
  static final int BASE = 12;
  /** The item the actors race on. */
  static final long ITEM = 1000;

  private FreshDeltas() {}

  /**
   * A segment holding items {@code 0..BASE)}; {@code graph}: built synchronously past 8 entries,
   * so that every put after that goes through the graph.
   */
  static DeltaSegment segment(boolean graph) {
    FreshConfig config = FreshConfig.defaults(Path.of("unused")).withFlatLimit(graph ? 8 : 1 << 20);
    DeltaSegment d = new DeltaSegment("stress", DIM, Metric.INNER_PRODUCT, config, Runnable::run);
    for (int i = 0; i < BASE; i++) {
      d.put(i, new float[] {0.1f * (i % 3), 0.1f, 0.05f * i, 0}, 0);
    }
    return d;
  }

  /** The query whose best match is {@link #ITEM} at {@code vector(1)}, and still near at {@code vector(2)}. */
  static final float[] QUERY = {0, 0, 0, 1};

  static float[] vector(int version) {
    return new float[] {0, 0, 0, version};
  }

  /** How many times {@link #ITEM} is among the best 5 for {@link #QUERY}. */
  static int occurrences(DeltaSegment d) {
    SearchResults out = new SearchResults(5);
    d.search(QUERY, 5, null, out);
    int n = 0;
    for (int i = 0; i < out.count(); i++) {
      n += out.id(i) == ITEM ? 1 : 0;
    }
    return n;
  }
}

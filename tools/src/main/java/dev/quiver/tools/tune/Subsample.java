package dev.quiver.tools.tune;

import dev.quiver.engine.VectorStore;
import java.util.Random;

/** A uniform random subsample of a base, rows kept in base order, for the tuner's first round. */
final class Subsample {
  private Subsample() {}

  /** {@code size} distinct rows of {@code base} drawn with {@code seed}, copied into a new store. */
  static VectorStore of(VectorStore base, int size, long seed) {
    VectorStore out = VectorStore.allocate(base.dimension(), size);
    Random random = new Random(seed);
    float[] row = new float[base.dimension()];
    int needed = size;
    // Selection sampling: row i is taken with probability needed / remaining, so exactly size rows.
    for (int i = 0, n = base.size(); i < n && needed > 0; i++) {
      if (random.nextInt(n - i) < needed) {
        base.get(i, row);
        out.add(row);
        needed--;
      }
    }
    return out;
  }
}

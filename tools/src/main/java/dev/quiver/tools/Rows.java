package dev.quiver.tools;

import dev.quiver.engine.SearchThreads;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Draws rows in parallel so that row {@code i} of a stream depends only on (seed, stream, i): the
 * output is the same whatever the thread count.
 */
final class Rows {
  private static final int BLOCK = 1024;

  private Rows() {}

  /** Draws one row into {@code out} with a generator private to that row. */
  @FunctionalInterface
  interface Drawer {
    void draw(SplittableRandom rng, TwoTowerModel.Scratch scratch, float[] out);
  }

  static float[][] draw(TwoTowerModel model, int count, int dimension, long seed, int stream,
                        Drawer drawer, int threads, Progress progress) {
    float[][] rows = new float[count][];
    int blocks = (count + BLOCK - 1) / BLOCK;
    AtomicInteger next = new AtomicInteger();
    SearchThreads.run(SearchThreads.parallelism(threads), part -> {
      TwoTowerModel.Scratch scratch = model.scratch();
      for (int b = next.getAndIncrement(); b < blocks; b = next.getAndIncrement()) {
        int end = Math.min(count, (b + 1) * BLOCK);
        for (int i = b * BLOCK; i < end; i++) {
          rows[i] = new float[dimension];
          drawer.draw(new SplittableRandom(mix(seed, stream, i)), scratch, rows[i]);
        }
        progress.step(end - b * BLOCK);
      }
    });
    return rows;
  }

  /** A well-mixed 64-bit seed for (seed, stream, row): SplitMix64's finaliser over their combination. */
  static long mix(long seed, int stream, long row) {
    long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + row * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

package dev.quiver.bench.sweep;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * The allowed rows of a filtered sweep: for a share f, each base row is allowed with probability f,
 * drawn from a generator seeded by f alone, so that every run, and every index in a run, filters
 * the same rows.
 */
public final class FilterSets {
  private static final long SEED = 0x5eed_f11e_72L;

  private FilterSets() {}

  /** The rows of {@code [0, rows)} allowed at share {@code fraction}. */
  public static BitSet allowed(int rows, double fraction) {
    SplittableRandom rnd = new SplittableRandom(SEED ^ Double.doubleToLongBits(fraction));
    BitSet allowed = new BitSet(rows);
    for (int i = 0; i < rows; i++) {
      if (rnd.nextDouble() < fraction) {
        allowed.set(i);
      }
    }
    return allowed;
  }

  /** Writes one byte per row, 1 where allowed (the format peers read, see {@link dev.quiver.bench.peers.AllowedSet}). */
  public static void write(BitSet allowed, int rows, Path file) throws IOException {
    byte[] bytes = new byte[rows];
    for (int i = allowed.nextSetBit(0); i >= 0 && i < rows; i = allowed.nextSetBit(i + 1)) {
      bytes[i] = 1;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, bytes);
  }

  /** The label of a share in series names and file names: {@code 0.5}, {@code 0.01}, {@code 1}. */
  public static String label(double fraction) {
    return BigDecimal.valueOf(fraction).stripTrailingZeros().toPlainString();
  }
}

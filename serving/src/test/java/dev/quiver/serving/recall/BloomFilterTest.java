package dev.quiver.serving.recall;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BloomFilterTest {
  @Test
  void neverForgetsAndKeepsItsFalsePositiveRate() {
    BloomFilter f = BloomFilter.create(10_000, 0.01);
    Random rnd = new Random(3);
    long[] shown = new long[10_000];
    for (int i = 0; i < shown.length; i++) {
      shown[i] = rnd.nextLong();
      f.put(shown[i]);
    }
    for (long id : shown) {
      assertTrue(f.mightContain(id), "false negative for " + id);
    }
    int fp = 0;
    int trials = 100_000;
    for (int i = 0; i < trials; i++) {
      fp += f.mightContain(1_000_000_000L + i) ? 1 : 0; // consecutive ids, as catalogs have
    }
    assertTrue(fp < trials * 0.02, "false positive rate " + fp / (double) trials);
  }

  @Test
  void wrappedWordsAnswerTheSame() {
    BloomFilter f = BloomFilter.create(100, 0.05);
    for (long id = 0; id < 100; id++) {
      f.put(id * 7);
    }
    BloomFilter g = BloomFilter.wrap(f.words().clone(), f.hashes());
    for (long id = 0; id < 1000; id++) {
      assertTrue(f.mightContain(id) == g.mightContain(id));
    }
  }

  @Test
  void badSizesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> BloomFilter.create(0, 0.01));
    assertThrows(IllegalArgumentException.class, () -> BloomFilter.create(10, 1.5));
    assertThrows(IllegalArgumentException.class, () -> BloomFilter.wrap(new long[0], 3));
    assertThrows(IllegalArgumentException.class, () -> BloomFilter.wrap(new long[1], 0));
  }
}

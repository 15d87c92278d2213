package dev.quiver.serving.recall;

/**
 * A Bloom filter of item ids: the exposure filter of one user (items already shown), kept by the
 * caller between requests and checked during the search, so that shown items never take a slot of
 * the top k. False positives (an unshown item treated as shown) occur at about the rate it was
 * sized for; false negatives never.
 *
 * <p>Bits are plain {@code long} words so that a service can store them with the user (see
 * {@link #words()} and {@link #wrap(long[], int)}). Probes use double hashing over one 64-bit mix
 * of the id (Kirsch and Mitzenmacher): k probes cost one mix, not k hashes. {@link #mightContain}
 * is safe from many threads as long as no thread calls {@link #put} at the same time.
 */
public final class BloomFilter {
  private final long[] words;
  private final long bits;
  private final int hashes;

  private BloomFilter(long[] words, int hashes) {
    this.words = words;
    this.bits = (long) words.length * Long.SIZE;
    this.hashes = hashes;
  }

  /**
   * An empty filter sized for {@code expectedItems} at false-positive rate {@code fpp}: {@code
   * m = -n ln p / (ln 2)^2} bits and {@code k = (m / n) ln 2} probes.
   */
  public static BloomFilter create(int expectedItems, double fpp) {
    if (expectedItems <= 0) {
      throw new IllegalArgumentException("expectedItems must be positive, was " + expectedItems);
    }
    if (!(fpp > 0 && fpp < 1)) {
      throw new IllegalArgumentException("fpp must be in (0, 1), was " + fpp);
    }
    double m = -expectedItems * Math.log(fpp) / (Math.log(2) * Math.log(2));
    int words = (int) Math.max(1, Math.ceil(m / Long.SIZE));
    int k = (int) Math.max(1, Math.round((double) words * Long.SIZE / expectedItems * Math.log(2)));
    return new BloomFilter(new long[words], Math.min(k, 30));
  }

  /** A filter over stored words (not copied), as {@link #words()} and {@link #hashes()} gave them. */
  public static BloomFilter wrap(long[] words, int hashes) {
    if (words.length == 0) {
      throw new IllegalArgumentException("a Bloom filter needs at least one word");
    }
    if (hashes <= 0 || hashes > 30) {
      throw new IllegalArgumentException("hashes must be in [1, 30], was " + hashes);
    }
    return new BloomFilter(words, hashes);
  }

  public void put(long id) {
    long h1 = mix(id);
    long h2 = (h1 >>> 32) | 1;
    for (int i = 0; i < hashes; i++) {
      long bit = Long.remainderUnsigned(h1 + i * h2, bits);
      words[(int) (bit >>> 6)] |= 1L << bit;
    }
  }

  public boolean mightContain(long id) {
    long h1 = mix(id);
    long h2 = (h1 >>> 32) | 1;
    for (int i = 0; i < hashes; i++) {
      long bit = Long.remainderUnsigned(h1 + i * h2, bits);
      if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
        return false;
      }
    }
    return true;
  }

  /** The bit words, shared with this filter (for storing it). */
  public long[] words() {
    return words;
  }

  public int hashes() {
    return hashes;
  }

  /** The 64-bit finaliser of MurmurHash3: consecutive ids land on unrelated bits. */
  private static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    return x ^ (x >>> 33);
  }
}

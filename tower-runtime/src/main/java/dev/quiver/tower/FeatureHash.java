package dev.quiver.tower;

/**
 * The stable hash that maps id values to embedding buckets, the same in every JVM and in the
 * Python exporter ({@code tower-runtime/python/export_tower.py}):
 *
 * <pre>
 *   h      = FNV-1a 64 over the UTF-8 bytes of the value
 *            (offset basis 0xcbf29ce484222325, prime 0x100000001b3)
 *   h      = fmix64(h)   (MurmurHash3's finaliser: xor-shift 33, * 0xff51afd7ed558ccd,
 *                          xor-shift 33, * 0xc4ceb93e53fca8ff, xor-shift 33)
 *   bucket = h mod buckets, h taken as unsigned
 * </pre>
 *
 * A long id hashes as its decimal string, so that {@code 42} and {@code "42"} (a JSON number
 * and a JSON string) share a bucket. Both forms hash without allocating. Thread-safe.
 */
public final class FeatureHash {
  private static final long BASIS = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;
  private static final long E8 = 100_000_000L;
  private static final long E16 = E8 * E8;

  private FeatureHash() {}

  /** The hash of a string's UTF-8 bytes. */
  public static long hash(CharSequence s) {
    long h = BASIS;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        h = step(h, c);
      } else if (c < 0x800) {
        h = step(step(h, 0xC0 | (c >> 6)), 0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        h = step(h, 0xF0 | (cp >> 18));
        h = step(h, 0x80 | ((cp >> 12) & 0x3F));
        h = step(step(h, 0x80 | ((cp >> 6) & 0x3F)), 0x80 | (cp & 0x3F));
      } else {
        // A lone surrogate encodes as '?', as String.getBytes(UTF_8) does.
        int cp = Character.isSurrogate(c) ? '?' : c;
        if (cp == '?') {
          h = step(h, cp);
        } else {
          h = step(step(step(h, 0xE0 | (cp >> 12)), 0x80 | ((cp >> 6) & 0x3F)), 0x80 | (cp & 0x3F));
        }
      }
    }
    return fmix64(h);
  }

  /** The hash of a long's decimal string, e.g. "-42". */
  public static long hash(long v) {
    if (v == Long.MIN_VALUE) {
      return hash("-9223372036854775808");
    }
    long h = BASIS;
    if (v < 0) {
      h = step(h, '-');
      v = -v;
    }
    // Groups of 8 digits, each turned into digit bytes by a few multiplications, so that only
    // the FNV steps form a chain; digit by digit, the divisions by 10 would form a second one.
    if (v < E8) {
      return fmix64(digits(h, v, false));
    }
    if (v < E16) {
      long hi = v / E8;
      return fmix64(digits(digits(h, hi, false), v - hi * E8, true));
    }
    long top = v / E16, rest = v - top * E16, hi = rest / E8;
    return fmix64(digits(digits(digits(h, top, false), hi, true), rest - hi * E8, true));
  }

  /** Steps {@code h} over the decimal digits of {@code x < 10^8}, all 8 when {@code padded}. */
  private static long digits(long h, long x, boolean padded) {
    long d = digitBytes(x);
    // Byte 0 holds the most significant digit, so leading zeros are the low zero bytes.
    int from = padded ? 0 : Math.min(Long.numberOfTrailingZeros(d) >>> 3, 7);
    d += 0x3030303030303030L; // to ASCII
    for (int i = from; i < 8; i++) {
      h = step(h, (int) (d >>> (8 * i)) & 0xFF);
    }
    return h;
  }

  /**
   * The 8 decimal digits of {@code x < 10^8} as bytes, the most significant in byte 0: x splits
   * into two 4-digit lanes of 32 bits, each into two 2-digit lanes of 16 bits, each into two
   * digits, dividing by 100 and 10 as multiplications by 10486 / 2^20 and 103 / 2^10 (exact for
   * lanes below 10^4 and 100) that never carry into the next lane.
   */
  static long digitBytes(long x) {
    long hi = x / 10_000;
    long m = hi | (x - hi * 10_000) << 32;
    long hundreds = (m * 10486 >>> 20) & 0x0000007F_0000007FL;
    m = hundreds | (m - hundreds * 100) << 16;
    long tens = (m * 103 >>> 10) & 0x000F_000F_000F_000FL;
    return tens | (m - tens * 10) << 8;
  }

  /** The bucket of a hash: {@code hash mod buckets} as unsigned. */
  public static long bucket(long hash, long buckets) {
    return Long.remainderUnsigned(hash, buckets);
  }

  private static long step(long h, int b) {
    return (h ^ b) * PRIME;
  }

  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb93e53fca8ffL;
    h ^= h >>> 33;
    return h;
  }
}

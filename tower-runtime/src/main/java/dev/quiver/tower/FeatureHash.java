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
    // The digits, last first, 4 bits each (at most 19: 16 in lo, 3 in hi), then hashed first
    // first. Division by the constant 10 compiles to a multiplication; by a variable power of
    // ten it would cost a real division per digit.
    long lo = 0, hi = 0;
    int n = 0;
    do {
      long q = v / 10;
      long d = v - q * 10;
      if (n < 16) {
        lo |= d << (4 * n);
      } else {
        hi |= d << (4 * (n - 16));
      }
      n++;
      v = q;
    } while (v != 0);
    for (int i = n - 1; i >= 16; i--) {
      h = step(h, '0' + (int) ((hi >>> (4 * (i - 16))) & 0xF));
    }
    for (int i = Math.min(n, 16) - 1; i >= 0; i--) {
      h = step(h, '0' + (int) ((lo >>> (4 * i)) & 0xF));
    }
    return fmix64(h);
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

package dev.quiver.tower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureHashTest {
  @Test
  void agreesWithThePythonExporter() throws IOException {
    JsonNode cases = new ObjectMapper().readTree(Fixtures.root().resolve("hashes.json").toFile());
    assertTrue(cases.size() > 10);
    for (JsonNode c : cases) {
      long want = Long.parseUnsignedLong(c.get("hash").asText());
      JsonNode v = c.get("value");
      long got = v.isTextual() ? FeatureHash.hash(v.asText()) : FeatureHash.hash(v.asLong());
      assertEquals(want, got, "hash of " + v);
    }
  }

  @Test
  void longsHashAsTheirDecimalString() {
    Random rnd = new Random(5);
    for (int i = 0; i < 10_000; i++) {
      long v = switch (i % 3) {
        case 0 -> rnd.nextLong();
        case 1 -> rnd.nextInt(1000) - 500;
        default -> (long) Math.pow(10, rnd.nextInt(19)) - rnd.nextInt(2);
      };
      assertEquals(FeatureHash.hash(Long.toString(v)), FeatureHash.hash(v), "long " + v);
    }
    assertEquals(FeatureHash.hash(Long.toString(Long.MIN_VALUE)), FeatureHash.hash(Long.MIN_VALUE));
  }

  @Test
  void stringsHashTheirUtf8Bytes() {
    Random rnd = new Random(6);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder s = new StringBuilder();
      for (int k = rnd.nextInt(12); k > 0; k--) {
        s.append((char) switch (rnd.nextInt(4)) {
          case 0 -> rnd.nextInt(0x80);
          case 1 -> 0x80 + rnd.nextInt(0x780);
          case 2 -> 0x800 + rnd.nextInt(0xF7FF);
          default -> 0xD800 + rnd.nextInt(0x800);
        });
      }
      String str = s.toString();
      assertEquals(fnvThenMix(str.getBytes(StandardCharsets.UTF_8)), FeatureHash.hash(str), str);
    }
  }

  @Test
  void bucketsAreUnsignedRemainders() {
    assertEquals(Long.remainderUnsigned(-1L, 997), FeatureHash.bucket(-1L, 997));
    assertTrue(FeatureHash.bucket(FeatureHash.hash("x"), 10) < 10);
  }

  private static long fnvThenMix(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return FeatureHash.fmix64(h);
  }
}

package dev.quiver.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.agrona.collections.LongHashSet;

/**
 * Held-out positives read from JSON lines {@code {"user": U, "item": I}}: each user's set of
 * item ids. A user is named by a string or an integer (42 and "42" are one user); an item by its
 * 64-bit id in the snapshot.
 */
final class Positives {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Positives() {}

  static Map<String, LongHashSet> read(Path file) throws IOException {
    Map<String, LongHashSet> out = new HashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int line = 0;
      for (String text; (text = in.readLine()) != null; ) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode row = parse(file, line, text);
        JsonNode user = row.get("user");
        JsonNode item = row.get("item");
        if (user == null || !(user.isTextual() || user.isIntegralNumber())) {
          throw new IOException(file + ":" + line + ": needs \"user\", a string or an integer: " + text);
        }
        if (item == null || !item.canConvertToLong() || !item.isIntegralNumber()) {
          throw new IOException(file + ":" + line + ": needs \"item\", a 64-bit integer item id: " + text);
        }
        out.computeIfAbsent(user.asText(), u -> new LongHashSet()).add(item.longValue());
      }
    }
    return out;
  }

  private static JsonNode parse(Path file, int line, String text) throws IOException {
    try {
      JsonNode row = JSON.readTree(text);
      if (row == null || !row.isObject()) {
        throw new IOException(file + ":" + line + ": is not a JSON object: " + text);
      }
      return row;
    } catch (JacksonException e) {
      throw new IOException(file + ":" + line + ": is not valid JSON: " + e.getOriginalMessage());
    }
  }
}

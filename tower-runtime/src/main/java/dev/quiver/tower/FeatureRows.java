package dev.quiver.tower;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads feature rows from JSON lines: one JSON object per line, keys being feature names of
 * the tower and values the raw feature values:
 *
 * <pre>{"user_id": 42, "clicks": ["a17", 99], "age": 31.5, "country": "fr"}</pre>
 *
 * Id features take a number (an integer) or a string, multi-valued ones also an array of them;
 * numeric features a number; categorical features a string. A key absent or null, or an empty
 * array, is a missing value. Blank lines are skipped. A key that is not a feature of the tower,
 * or a value of the wrong kind, is an error naming the line and key.
 *
 * <p>A reader is not thread-safe; close it to close the file.
 */
public final class FeatureRows implements Closeable {
  private static final JsonFactory JSON = new JsonFactory();

  private final Path file;
  private final Tower tower;
  private final BufferedReader in;
  private final Set<String> ignored;
  private int line;

  private FeatureRows(Path file, Tower tower, Set<String> ignored) throws IOException {
    this.file = file;
    this.tower = tower;
    this.ignored = Set.copyOf(ignored);
    this.in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
  }

  /** Opens {@code file} for reading rows of {@code tower} one at a time with {@link #next}. */
  public static FeatureRows open(Path file, Tower tower) throws IOException {
    return new FeatureRows(file, tower, Set.of());
  }

  /**
   * As {@link #open(Path, Tower)}, skipping the keys {@code ignored} that are not features of the
   * tower (a row's own identifier, say).
   */
  public static FeatureRows open(Path file, Tower tower, Set<String> ignored) throws IOException {
    return new FeatureRows(file, tower, ignored);
  }

  /** All the rows of {@code file}, one per non-blank line. */
  public static List<FeatureRow> readJsonl(Path file, Tower tower) throws IOException {
    List<FeatureRow> rows = new ArrayList<>();
    try (FeatureRows r = open(file, tower)) {
      FeatureRow row = tower.newRow();
      while (r.next(row)) {
        rows.add(row);
        row = tower.newRow();
      }
    }
    return rows;
  }

  /** Clears {@code row} and fills it from the next non-blank line; false at the end of the file. */
  public boolean next(FeatureRow row) throws IOException {
    String text;
    do {
      text = in.readLine();
      line++;
      if (text == null) {
        return false;
      }
    } while (text.isBlank());
    row.clear();
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw bad("is not a JSON object");
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String key = p.currentName();
        int f = tower.findFeature(key);
        if (f < 0 && ignored.contains(key)) {
          p.nextToken();
          p.skipChildren();
          continue;
        }
        if (f < 0) {
          throw bad("has key '" + key + "', which is not a feature of tower '" + tower.name()
              + "' " + featureNames());
        }
        p.nextToken();
        value(p, row, f, key);
      }
      if (p.nextToken() != null) {
        throw bad("has text after its JSON object");
      }
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw bad("is not valid JSON: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    return true;
  }

  private void value(JsonParser p, FeatureRow row, int f, String key) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    switch (tower.features().get(f).type()) {
      case ID -> {
        if (t == JsonToken.START_ARRAY) {
          for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            id(p, t, row, f, key);
          }
        } else {
          id(p, t, row, f, key);
        }
      }
      case NUMERIC -> {
        if (!t.isNumeric()) {
          throw bad("has " + t.asString() + " for numeric feature '" + key + "'; expected a number");
        }
        row.setNumeric(f, p.getDoubleValue());
      }
      case CATEGORICAL -> {
        if (t != JsonToken.VALUE_STRING) {
          throw bad("has " + p.getText() + " for categorical feature '" + key + "'; expected a string");
        }
        row.setCategorical(f, p.getText());
      }
    }
  }

  private void id(JsonParser p, JsonToken t, FeatureRow row, int f, String key) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      row.addId(f, p.getLongValue());
    } else if (t == JsonToken.VALUE_STRING) {
      row.addId(f, p.getText());
    } else {
      throw bad("has " + p.getText() + " for id feature '" + key + "'; expected a string or a 64-bit integer");
    }
  }

  private String featureNames() {
    List<String> names = new ArrayList<>();
    for (Feature x : tower.features()) {
      names.add(x.name());
    }
    return names.toString();
  }

  private IOException bad(String what) {
    return new IOException(file + ":" + line + ": line " + what);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

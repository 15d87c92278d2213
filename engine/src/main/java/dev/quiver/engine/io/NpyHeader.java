package dev.quiver.engine.io;

import java.util.ArrayList;
import java.util.List;

/**
 * The dictionary of an .npy header, e.g. {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (1000, 64), }}: a Python literal with exactly the keys descr (a string),
 * fortran_order (True or False) and shape (a tuple of non-negative integers), in any order.
 * The parser accepts only that grammar and names the position of anything else.
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {

  /** Parses {@code text}; throws {@link IllegalArgumentException} on anything outside the grammar. */
  static NpyHeader parse(String text) {
    return new Parser(text).dictionary();
  }

  /** The shape as Python prints it: (5,) or (3, 4). */
  String shapeText() {
    StringBuilder s = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      s.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return s.append(shape.length == 1 ? ",)" : ")").toString();
  }

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    NpyHeader dictionary() {
      String descr = null;
      Boolean fortranOrder = null;
      long[] shape = null;
      expect('{');
      while (!peek('}')) {
        String key = string();
        expect(':');
        switch (key) {
          case "descr" -> descr = once(key, descr, string());
          case "fortran_order" -> fortranOrder = once(key, fortranOrder, bool());
          case "shape" -> shape = once(key, shape, tuple());
          default -> throw error("unknown key '" + key + "'");
        }
        if (!peek('}')) {
          expect(',');
        }
      }
      expect('}');
      skipSpace();
      if (pos != text.length()) {
        throw error("unexpected text after the dictionary");
      }
      if (descr == null || fortranOrder == null || shape == null) {
        throw error("missing key '" + (descr == null ? "descr" : fortranOrder == null ? "fortran_order" : "shape") + "'");
      }
      return new NpyHeader(descr, fortranOrder, shape);
    }

    private <T> T once(String key, T previous, T value) {
      if (previous != null) {
        throw error("duplicate key '" + key + "'");
      }
      return value;
    }

    private String string() {
      skipSpace();
      char quote = pos < text.length() ? text.charAt(pos) : 0;
      if (quote != '\'' && quote != '"') {
        throw error("expected a quoted string");
      }
      int end = text.indexOf(quote, pos + 1);
      if (end < 0 || text.indexOf('\\', pos + 1) >= 0 && text.indexOf('\\', pos + 1) < end) {
        throw error("expected a plain quoted string");
      }
      String value = text.substring(pos + 1, end);
      pos = end + 1;
      return value;
    }

    private boolean bool() {
      skipSpace();
      if (text.startsWith("True", pos)) {
        pos += 4;
        return true;
      }
      if (text.startsWith("False", pos)) {
        pos += 5;
        return false;
      }
      throw error("expected True or False");
    }

    private long[] tuple() {
      expect('(');
      List<Long> values = new ArrayList<>();
      while (!peek(')')) {
        values.add(integer());
        if (!peek(')')) {
          expect(',');
        }
      }
      expect(')');
      return values.stream().mapToLong(Long::longValue).toArray();
    }

    private long integer() {
      skipSpace();
      int start = pos;
      while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
        pos++;
      }
      if (pos == start || pos - start > 18) {
        pos = start;
        throw error("expected a non-negative integer");
      }
      long value = Long.parseLong(text, start, pos, 10);
      if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
        pos++; // Python 2 long suffix, written by old numpy versions
      }
      return value;
    }

    /** Skips spaces and reports whether the next character is {@code c}, without consuming it. */
    private boolean peek(char c) {
      skipSpace();
      if (pos >= text.length()) {
        throw error("unexpected end of header");
      }
      return text.charAt(pos) == c;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private void skipSpace() {
      while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\n')) {
        pos++;
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at character " + pos + " of header " + quoted());
    }

    private String quoted() {
      String shown = text.strip();
      return "\"" + (shown.length() > 200 ? shown.substring(0, 200) + "..." : shown) + "\"";
    }
  }
}

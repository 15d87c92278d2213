package dev.quiver.spark;

import java.io.Serializable;

/**
 * One item row after the item tower: its id and vector, or, for a row that does not fit the
 * model, its id (or where it was, when it has none) and what is wrong with it.
 *
 * @param id the item id; meaningful when {@code problem} is null or names another fault
 * @param vector the item tower's output, every head's vector side by side; null for a bad row
 * @param problem null for a good row; else "item 42 has 'abc' for numeric feature 'price'..."
 */
record Embedded(long id, float[] vector, String problem) implements Serializable {
  static Embedded bad(String where, String problem) {
    return new Embedded(0, null, where + " " + problem);
  }

  boolean good() {
    return problem == null;
  }
}

package dev.quiver.spark;

import dev.quiver.tower.Feature;
import dev.quiver.tower.FeatureRow;
import dev.quiver.tower.FeatureType;
import dev.quiver.tower.Tower;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How the columns of an item table fill the item tower's features, by name: the table's rows
 * become the same {@link FeatureRow}s that {@code build-snapshot} reads from JSON lines. Columns
 * that are not features are ignored (a warehouse table has more); features with no column are
 * missing in every row, which the model handles as its config says.
 *
 * <p>A column whose type can never fit its feature (a map for a number) is refused up front; a
 * value that does not fit (text that is not a number, a fraction for an id, two values for a
 * single-valued feature) makes its row a bad row, reported by {@link #fill}. Serializable: built
 * on the driver, used in the executors' tasks.
 */
final class FeatureColumns implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One feature read from one column. */
  private record Binding(int feature, int column, String name, FeatureType type, boolean multi)
      implements Serializable {}

  private final List<Binding> bindings;
  private final int idColumn;
  private final String idName;

  private FeatureColumns(List<Binding> bindings, int idColumn, String idName) {
    this.bindings = bindings;
    this.idColumn = idColumn;
    this.idName = idName;
  }

  /**
   * The bindings of {@code tower}'s features to the columns of {@code schema}; {@code idColumn}
   * names the item id column, or is null when ids come from elsewhere.
   */
  static FeatureColumns bind(StructType schema, Tower tower, String idColumn, String table) {
    List<Binding> bindings = new ArrayList<>();
    List<String> names = List.of(schema.fieldNames());
    for (int f = 0; f < tower.features().size(); f++) {
      Feature feature = tower.features().get(f);
      int c = names.indexOf(feature.name());
      if (c >= 0) {
        checkType(schema.fields()[c], feature, table);
        bindings.add(new Binding(f, c, feature.name(), feature.type(), feature.multiValued()));
      }
    }
    int id = -1;
    if (idColumn != null) {
      id = names.indexOf(idColumn);
      if (id < 0) {
        throw new IllegalArgumentException(table + ": no item id column '" + idColumn + "' (columns: " + names
            + "); name it with --id-column");
      }
      DataType t = schema.fields()[id].dataType();
      if (!isInteger(t) && t != DataTypes.StringType) {
        throw new IllegalArgumentException(table + ": item id column '" + idColumn + "' is "
            + t.simpleString() + "; ids are 64-bit integers");
      }
    }
    return new FeatureColumns(List.copyOf(bindings), id, idColumn);
  }

  /** The names of the features that have a column. */
  List<String> bound() {
    return bindings.stream().map(Binding::name).toList();
  }

  private static void checkType(StructField column, Feature feature, String table) {
    DataType t = column.dataType();
    DataType scalar = t instanceof ArrayType a ? a.elementType() : t;
    boolean ok = switch (feature.type()) {
      case ID -> isScalar(scalar);
      case NUMERIC, CATEGORICAL -> isScalar(t);
    };
    if (!ok) {
      throw new IllegalArgumentException(table + ": column '" + column.name() + "' is " + t.simpleString()
          + "; " + feature.type().name().toLowerCase(Locale.ROOT) + " feature '" + feature.name()
          + "' takes " + (feature.type() == FeatureType.ID ? "integers or strings" : "one number or string"));
    }
  }

  private static boolean isScalar(DataType t) {
    return t instanceof NumericType || t == DataTypes.StringType;
  }

  private static boolean isInteger(DataType t) {
    return t == DataTypes.LongType || t == DataTypes.IntegerType || t == DataTypes.ShortType
        || t == DataTypes.ByteType;
  }

  /** The item id of {@code row}; IllegalArgumentException naming the value when there is none. */
  long id(Row row) {
    if (row.isNullAt(idColumn)) {
      throw new IllegalArgumentException("has no item id (column '" + idName + "' is null)");
    }
    Object v = row.get(idColumn);
    if (v instanceof Number n) {
      return n.longValue();
    }
    try {
      return Long.parseLong(((String) v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("has item id '" + v + "', not a 64-bit integer");
    }
  }

  /**
   * Fills {@code target} (cleared) from {@code row}. Returns the problem that makes the row not
   * fit the model, or null when it fits. {@code vocabularies} holds the known categories of each
   * categorical feature, to count the unknown ones (which the model maps to its
   * out-of-vocabulary row, as the service does).
   */
  String fill(Row row, FeatureRow target, Vocabularies vocabularies) {
    target.clear();
    for (Binding b : bindings) {
      if (row.isNullAt(b.column)) {
        continue;
      }
      try {
        set(row.get(b.column), b, target, vocabularies);
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    }
    return null;
  }

  private static void set(Object value, Binding b, FeatureRow target, Vocabularies vocabularies) {
    switch (b.type) {
      case ID -> ids(value, b, target);
      case NUMERIC -> target.setNumeric(b.feature, number(value, b));
      case CATEGORICAL -> {
        if (!(value instanceof String s)) {
          throw new IllegalArgumentException("has " + value + " for categorical feature '" + b.name
              + "'; expected a string");
        }
        vocabularies.note(b.feature, s);
        target.setCategorical(b.feature, s);
      }
    }
  }

  private static void ids(Object value, Binding b, FeatureRow target) {
    if (value instanceof scala.collection.Seq<?> seq) {
      if (seq.size() > 1 && !b.multi) {
        throw new IllegalArgumentException("has " + seq.size() + " values for single-valued id feature '"
            + b.name + "'");
      }
      for (int k = 0; k < seq.size(); k++) {
        id(seq.apply(k), b, target);
      }
    } else {
      id(value, b, target);
    }
  }

  private static void id(Object v, Binding b, FeatureRow target) {
    switch (v) {
      case Long l -> target.addId(b.feature, l);
      case Integer i -> target.addId(b.feature, i.longValue());
      case Short s -> target.addId(b.feature, s.longValue());
      case Byte x -> target.addId(b.feature, x.longValue());
      case String s -> target.addId(b.feature, s);
      case null, default -> throw new IllegalArgumentException("has " + v + " for id feature '" + b.name
          + "'; expected a string or a 64-bit integer");
    }
  }

  private static double number(Object v, Binding b) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(((String) v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("has '" + v + "' for numeric feature '" + b.name + "'; expected a number");
    }
  }

  /** The known categories of each categorical feature, and how many values were unknown. */
  static final class Vocabularies {
    private final Set<String>[] known;
    private long unknown;

    @SuppressWarnings("unchecked")
    Vocabularies(Tower tower) {
      known = new Set[tower.features().size()];
      for (int f = 0; f < known.length; f++) {
        Feature feature = tower.features().get(f);
        if (feature.type() == FeatureType.CATEGORICAL) {
          known[f] = new HashSet<>(feature.vocabulary());
        }
      }
    }

    void note(int feature, String value) {
      if (!known[feature].contains(value)) {
        unknown++;
      }
    }

    long unknown() {
      return unknown;
    }
  }
}

package dev.quiver.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code --ids}: item ids from a text file, one per line in the table's row order, as
 * {@code build-snapshot} takes them, attached to the rows as an extra id column.
 */
final class IdsFile {
  /** The column the ids are attached as. */
  static final String COLUMN = "__quiver_item_id";

  private IdsFile() {}

  static Dataset<Row> attach(SparkSession spark, Dataset<Row> table, Path file) throws IOException {
    long[] ids = read(file);
    long rows = table.count();
    if (rows != ids.length) {
      throw new IllegalArgumentException(file + ": " + ids.length + " item ids for " + rows + " table rows");
    }
    Broadcast<long[]> shared = spark.sparkContext().broadcast(ids, scala.reflect.ClassTag$.MODULE$.apply(long[].class));
    JavaRDD<Row> withIds = table.javaRDD().zipWithIndex().map(t -> {
      Object[] values = new Object[t._1.size() + 1];
      for (int i = 0; i < t._1.size(); i++) {
        values[i] = t._1.get(i);
      }
      values[values.length - 1] = shared.value()[Math.toIntExact(t._2)];
      return RowFactory.create(values);
    });
    return spark.createDataFrame(withIds, table.schema().add(COLUMN, DataTypes.LongType, false));
  }

  private static long[] read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    long[] out = new long[lines.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = Long.parseLong(lines.get(i).trim());
      } catch (NumberFormatException e) {
        throw new IOException(file + ": line " + (i + 1) + " is not an item id: '" + lines.get(i) + "'");
      }
    }
    return out;
  }
}

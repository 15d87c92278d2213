package dev.quiver.spark;

import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the item table by its extension: Parquet, ORC or JSON lines, one file or a directory of
 * part files (named by the extension of the directory, or of its part files as Spark writes them).
 */
final class ItemTable {
  private ItemTable() {}

  static Dataset<Row> read(SparkSession spark, String table) {
    return switch (format(spark, table)) {
      case "parquet" -> spark.read().parquet(table);
      case "orc" -> spark.read().orc(table);
      default -> spark.read().json(table);
    };
  }

  /** parquet, orc or json; IllegalArgumentException naming the table otherwise. */
  static String format(SparkSession spark, String table) {
    String name = table.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
    String ext = name.substring(name.lastIndexOf('/') + 1);
    ext = ext.contains(".") ? ext.substring(ext.lastIndexOf('.') + 1) : partExtension(spark, table);
    return switch (ext) {
      case "parquet" -> "parquet";
      case "orc" -> "orc";
      case "json", "jsonl" -> "json";
      default -> throw new IllegalArgumentException(table + ": unknown item table format '" + ext
          + "'; expected .parquet, .orc, .jsonl or .json (a file, or a directory of such part files)");
    };
  }

  /** The extension of the first part file in directory {@code table}, or "" when there is none. */
  private static String partExtension(SparkSession spark, String table) {
    try {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(table);
      var fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (var status : fs.listStatus(dir)) {
        String n = status.getPath().getName().toLowerCase(Locale.ROOT);
        if (status.isFile() && n.startsWith("part-")) {
          String[] parts = n.split("\\.");
          for (int i = parts.length - 1; i > 0; i--) {
            if (parts[i].equals("parquet") || parts[i].equals("orc") || parts[i].equals("json")) {
              return parts[i];
            }
          }
        }
      }
      return "";
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(table + ": cannot list the item table: " + e.getMessage(), e);
    }
  }
}

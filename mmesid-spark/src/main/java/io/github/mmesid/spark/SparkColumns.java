package io.github.mmesid.spark;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Argument and column checks and conversions shared by the Spark entry points. */
final class SparkColumns {

  private SparkColumns() {}

  /**
   * Checks a model directory argument.
   *
   * @param path the path
   * @param what the argument's name for messages
   * @return the path
   * @throws IllegalArgumentException if null or blank
   */
  static String path(String path, String what) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(what + " must not be null or blank");
    }
    return path;
  }

  /**
   * Checks a scoring options argument.
   *
   * @param options the options
   * @return the options
   * @throws IllegalArgumentException if null, naming the default to use
   */
  static ScoringOptions options(ScoringOptions options) {
    if (options == null) {
      throw new IllegalArgumentException("options must not be null; use ScoringOptions.defaults()");
    }
    return options;
  }

  /**
   * Returns a column's field, checking its type.
   *
   * @param schema the DataFrame's schema
   * @param name the column
   * @param type the required type (element nullability ignored), or null for any
   * @param what the argument's name for messages
   * @return the field
   * @throws IllegalArgumentException if the column is missing or of another type
   */
  static StructField field(StructType schema, String name, DataType type, String what) {
    int i = Arrays.asList(schema.fieldNames()).indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException(what + " has no column '" + name + "'; its columns are "
          + Arrays.toString(schema.fieldNames()));
    }
    StructField f = schema.fields()[i];
    if (type != null && !f.dataType().sameType(type)) {
      throw new IllegalArgumentException(what + " column '" + name + "' is " + f.dataType().simpleString()
          + "; expected " + type.simpleString());
    }
    return f;
  }

  /**
   * Reads an {@code array<int>} column as item ids, checking each is in 0..{@code numItems}.
   *
   * @param row the row
   * @param index the column index
   * @param numItems N
   * @param user the row's user, for messages
   * @return the ids
   * @throws IllegalArgumentException naming the user if the array or an element is null or out of
   *     range
   */
  static int[] history(Row row, int index, int numItems, Object user) {
    int[] h = ints(row, index, user, "history");
    for (int t = 0; t < h.length; t++) {
      if (h[t] < 0 || h[t] > numItems) {
        throw new IllegalArgumentException("user " + user + ": history[" + t + "] = " + h[t]
            + " is not a known item id; allowed 1.." + numItems + " (0 = padding)");
      }
    }
    return h;
  }

  /**
   * Reads an {@code array<int>} column without nulls.
   *
   * @param row the row
   * @param index the column index
   * @param user the row's key, for messages
   * @param column the column name, for messages
   * @return the values
   * @throws IllegalArgumentException if the array or an element is null
   */
  static int[] ints(Row row, int index, Object user, String column) {
    if (row.isNullAt(index)) {
      throw new IllegalArgumentException("user " + user + ": " + column
          + " is null; use an empty array for no items");
    }
    List<Object> list = row.getList(index);
    int[] out = new int[list.size()];
    for (int t = 0; t < out.length; t++) {
      Object v = list.get(t);
      if (v == null) {
        throw new IllegalArgumentException("user " + user + ": " + column + "[" + t
            + "] is null; item ids are integers 1..N (0 = padding)");
      }
      out[t] = ((Number) v).intValue();
    }
    return out;
  }
}

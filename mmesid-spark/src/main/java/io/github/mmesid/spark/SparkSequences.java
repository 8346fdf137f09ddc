package io.github.mmesid.spark;

import io.github.mmesid.core.SequenceDataset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Users' item sequences as a DataFrame ({@value #USER} string, {@value #SEQUENCE}
 * {@code array<int>}), the input of {@link SparkEvaluator} and, renamed to {@code history}, of
 * {@link SparkTopK}.
 */
public final class SparkSequences {

  /** Column: the user key. */
  public static final String USER = "user";
  /** Column: the user's items, oldest first, ids 1..N. */
  public static final String SEQUENCE = "sequence";

  /** The schema of a sequences DataFrame. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField(USER, DataTypes.StringType, false),
      DataTypes.createStructField(SEQUENCE, DataTypes.createArrayType(DataTypes.IntegerType, false), false)});

  private SparkSequences() {}

  /**
   * Turns an in-memory dataset into a DataFrame (rows in user order).
   *
   * @param spark the session
   * @param dataset the dataset
   * @param partitions the number of partitions, 1..100000
   * @return the DataFrame
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Dataset<Row> of(SparkSession spark, SequenceDataset dataset, int partitions) {
    if (spark == null || dataset == null) {
      throw new IllegalArgumentException("spark and dataset must not be null");
    }
    if (partitions < 1 || partitions > 100_000) {
      throw new IllegalArgumentException("partitions = " + partitions + "; allowed 1..100000");
    }
    List<Row> rows = new ArrayList<>(dataset.numUsers());
    for (int u = 0; u < dataset.numUsers(); u++) {
      rows.add(RowFactory.create(dataset.userKey(u), dataset.sequence(u)));
    }
    return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
  }

  /**
   * Reads a sequences file ({@code user item item ...} per line, whitespace-separated, item ids
   * 1..N, blank lines skipped) from any path Spark can read (local, HDFS, S3, ...).
   *
   * @param spark the session
   * @param path the file or directory of files
   * @return the DataFrame, lazily evaluated; a malformed line fails the job quoting the line
   * @throws IllegalArgumentException if an argument is null
   */
  public static Dataset<Row> read(SparkSession spark, String path) {
    if (spark == null || path == null) {
      throw new IllegalArgumentException("spark and path must not be null");
    }
    return spark.read().textFile(path)
        .filter((org.apache.spark.api.java.function.FilterFunction<String>) line -> !line.isBlank())
        .map((MapFunction<String, Row>) SparkSequences::parse, Encoders.row(SCHEMA));
  }

  /** Parses one non-blank line. */
  static Row parse(String line) {
    String[] tokens = line.trim().split("[ \t]+");
    if (tokens.length < 2) {
      throw new IllegalArgumentException("sequences line '" + abbreviate(line)
          + "' has no items; lines must be 'user item [item ...]'");
    }
    int[] seq = new int[tokens.length - 1];
    for (int i = 1; i < tokens.length; i++) {
      int item;
      try {
        item = Integer.parseInt(tokens[i]);
      } catch (NumberFormatException e) {
        item = -1;
      }
      if (item < 1 || !tokens[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("sequences line '" + abbreviate(line) + "': token "
            + (i + 1) + " '" + tokens[i] + "' is not a valid item id; allowed integers 1.."
            + Integer.MAX_VALUE + " (0 is padding)");
      }
      seq[i - 1] = item;
    }
    return RowFactory.create(tokens[0], seq);
  }

  private static String abbreviate(String line) {
    return line.length() <= 80 ? line : line.substring(0, 77) + "...";
  }
}

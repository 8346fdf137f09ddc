package io.github.mmesid.spark.examples;

import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** How the examples' {@code main} methods run: in a session from {@code spark-submit}, stopped at the end. */
final class SubmitSession {

  private SubmitSession() {}

  /**
   * Creates the session ({@code defaultMaster} unless {@code spark-submit} or the system
   * properties set {@code spark.master}), runs {@code body} in it and stops it.
   *
   * @param builder the session's builder (application name, settings)
   * @param defaultMaster the master without a master setting, e.g. {@code local[*]}
   * @param body the example's work
   */
  static void run(SparkSession.Builder builder, String defaultMaster, Consumer<SparkSession> body) {
    if (!new SparkConf().contains("spark.master")) {
      builder.master(defaultMaster);
    }
    SparkSession spark = builder.getOrCreate();
    try {
      body.accept(spark);
    } finally {
      spark.stop();
    }
  }
}

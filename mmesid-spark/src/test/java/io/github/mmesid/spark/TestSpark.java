package io.github.mmesid.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The one local Spark session the module's tests share (local[2], two attempts per task). */
final class TestSpark {

  private static SparkSession session;

  private TestSpark() {}

  /** Returns the shared session, starting it on first use. */
  static synchronized SparkSession session() {
    if (session == null) {
      session = SparkSession.builder()
          .master("local[2,2]") // 2 cores, a task may fail once and be retried
          .appName("mmesid-spark-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.sql.adaptive.enabled", "false")
          .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
    }
    return session;
  }

  /** Returns Beauty's sequences file. */
  static Path beauty() {
    Path p = Path.of(System.getProperty("mmesid.shared.data", "../shared/data"), "beauty", "sequences.txt");
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException("Beauty is missing at " + p + " (system property mmesid.shared.data)");
    }
    return p;
  }
}

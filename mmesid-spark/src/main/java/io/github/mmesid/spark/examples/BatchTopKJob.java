package io.github.mmesid.spark.examples;

import io.github.mmesid.spark.ScoringOptions;
import io.github.mmesid.spark.SparkEvaluationResult;
import io.github.mmesid.spark.SparkEvaluator;
import io.github.mmesid.spark.SparkSequences;
import io.github.mmesid.spark.SparkTopK;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Nightly top-K lists on Spark: reads a sequences file, recommends the next {@code k} items after
 * each user's whole sequence with any model directory (popularity, SASRec, MME-SID), and writes
 * (user, items, scores) as Parquet or JSON; {@code --evaluate} also prints the model's
 * leave-one-out metrics on the same sequences.
 *
 * <pre>
 * spark-submit --master local[2] --class io.github.mmesid.spark.examples.BatchTopKJob \
 *   mmesid-spark/target/mmesid-spark-app.jar \
 *   --bundle /shared/models/sasrec --sequences /shared/data/sequences.txt --out /shared/out/topk
 * </pre>
 */
public final class BatchTopKJob {

  static final String USAGE = "usage: BatchTopKJob --bundle DIR --sequences FILE --out DIR [--k 10] "
      + "[--partitions N] [--batch-size 256] [--threads 1] [--base-model DIR] [--format parquet|json] [--evaluate]";

  private BatchTopKJob() {}

  /**
   * Runs the job in a session from {@code spark-submit} (without a master setting: {@code
   * local[*]}) and stops the session.
   *
   * @param args the arguments (see {@link #run})
   */
  public static void main(String[] args) {
    SubmitSession.run(SparkSession.builder().appName("mmesid-batch-topk"), "local[*]",
        spark -> run(spark, System.out, args));
  }

  /**
   * Runs the job in a given session.
   *
   * @param spark the session
   * @param out where the summary (and metrics) are printed
   * @param args {@code --bundle DIR --sequences FILE --out DIR [--k 10] [--partitions N]
   *     [--batch-size 256] [--threads 1] [--base-model DIR] [--format parquet|json] [--evaluate]}
   * @throws IllegalArgumentException for a bad argument, with the usage; a job that fails throws
   *     Spark's exception with the cause's message
   */
  public static void run(SparkSession spark, PrintStream out, String... args) {
    Args a = new Args(args, Set.of("bundle", "sequences", "out", "k", "partitions", "batch-size", "threads",
        "base-model", "format", "evaluate"), Set.of("evaluate"), USAGE);
    String bundle = a.required("bundle");
    String sequences = a.required("sequences");
    String target = a.required("out");
    int k = a.integer("k", 10, 1, 100_000);
    int partitions = a.integer("partitions", 0, 0, 1_000_000);
    String format = a.get("format", "parquet");
    if (!format.equals("parquet") && !format.equals("json")) {
      throw new IllegalArgumentException("--format " + format + " is unknown; allowed: parquet, json");
    }
    ScoringOptions options = ScoringOptions.defaults()
        .withBatchSize(a.integer("batch-size", ScoringOptions.DEFAULT_BATCH_SIZE, 1, 65536))
        .withIntraOpThreads(a.integer("threads", 1, 1, 4096))
        .withBaseModel(a.get("base-model", null));
    long t0 = System.nanoTime();
    Dataset<Row> seqs = SparkSequences.read(spark, sequences);
    if (partitions > 0) {
      seqs = seqs.repartition(partitions);
    }
    Dataset<Row> users = seqs.withColumnRenamed(SparkSequences.SEQUENCE, SparkTopK.HISTORY);
    SparkTopK.recommend(users, bundle, k, options).write().mode(SaveMode.ErrorIfExists).format(format).save(target);
    long rows = spark.read().format(format).load(target).count();
    out.printf(Locale.ROOT, "wrote top-%d lists of %d users to %s (%s) in %.1f s%n", k, rows, target, format,
        (System.nanoTime() - t0) / 1e9);
    if (a.flag("evaluate")) {
      SparkEvaluationResult r = SparkEvaluator.builder().options(options).build().evaluate(seqs, bundle);
      out.println(r.toJson());
    }
  }
}

package io.github.mmesid.spark.examples;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.SequenceFiles;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.spark.BundleCache;
import io.github.mmesid.spark.Bundles;
import io.github.mmesid.spark.PopularityBundle;
import io.github.mmesid.spark.ScoringOptions;
import io.github.mmesid.spark.SparkSequences;
import io.github.mmesid.spark.SparkTopK;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Measures users/s of batch top-K: the single-JVM batch {@code topK} (batches of 256, all cores
 * as ONNX Runtime threads), the same batches scored as Spark partitions score them ({@link
 * SparkTopK#topK}: with its handling of histories with few candidates), against {@link SparkTopK} in the session's master (e.g. {@code
 * local[2]}, one ONNX Runtime thread per task) at several partition counts. Each figure is the
 * median of {@code --repeats} timed runs after one untimed warm-up run (which loads the model);
 * Spark runs write to the {@code noop} sink, so they score every user and store nothing. The
 * input DataFrame is cached and counted before timing.
 *
 * <p>{@code --model popularity} trains popularity on the sequences; {@code --model sasrec} builds
 * a SASRec with the default configuration and untrained (seeded) weights over the sequences'
 * items: the real model's cost, meaningless scores. {@code --bundle DIR} measures any model
 * directory instead.
 */
public final class SparkTopKThroughput {

  static final String USAGE = "usage: SparkTopKThroughput --sequences FILE (--model popularity|sasrec | --bundle DIR) "
      + "[--users N] [--k 10] [--partitions 2,4,8] [--repeats 3]";

  private SparkTopKThroughput() {}

  /**
   * Runs the measurement in a session from {@code spark-submit} (without a master setting:
   * {@code local[2]}) and stops it.
   *
   * @param args see {@link #USAGE}
   */
  public static void main(String[] args) {
    SubmitSession.run(SparkSession.builder().appName("mmesid-topk-throughput").config("spark.ui.enabled", "false"),
        "local[2]", spark -> run(spark, System.out, args));
  }

  /**
   * Runs the measurement in a given session.
   *
   * @param spark the session
   * @param out where the results are printed
   * @param args see {@link #USAGE}
   * @throws IllegalArgumentException for a bad argument
   */
  public static void run(SparkSession spark, PrintStream out, String... args) {
    // the untrained SASRec's session is built here: on a large stack (see Bundles)
    Thread t = new Thread(null, () -> measure(spark, out, args), "throughput", 256L << 20);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    t.setUncaughtExceptionHandler((th, e) -> failure.set(e));
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (failure.get() instanceof RuntimeException re) {
      throw re;
    } else if (failure.get() != null) {
      throw new IllegalStateException("measurement failed: " + failure.get(), failure.get());
    }
  }

  private static void measure(SparkSession spark, PrintStream out, String... args) {
    Args a = new Args(args, Set.of("sequences", "model", "bundle", "users", "k", "partitions", "repeats"),
        Set.of(), USAGE);
    SequenceDataset all = SequenceFiles.read(Path.of(a.required("sequences")));
    int users = a.integer("users", all.numUsers(), 1, all.numUsers());
    int k = a.integer("k", 10, 1, 100_000);
    int repeats = a.integer("repeats", 3, 1, 100);
    int[] partitions = Arrays.stream(a.get("partitions", "2,4,8").split(",")).mapToInt(s -> {
      try {
        int p = Integer.parseInt(s.trim());
        if (p >= 1) {
          return p;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException("--partitions " + s + " is invalid; allowed a list of integers >= 1");
    }).toArray();
    SequenceDataset.Builder sb = SequenceDataset.builder();
    for (int u = 0; u < users; u++) {
      sb.add(all.userKey(u), all.sequence(u));
    }
    SequenceDataset data = sb.build(all.numItems());
    String bundle = a.get("bundle", null);
    String model = a.get("model", null);
    if ((bundle == null) == (model == null)) {
      throw new IllegalArgumentException("give exactly one of --model and --bundle\n" + USAGE);
    }
    Path dir;
    if (bundle != null) {
      dir = Path.of(bundle);
    } else {
      try {
        dir = Files.createTempDirectory("mmesid-throughput");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
      }
      switch (model) {
        case "popularity" -> PopularityBundle.write(PopularityRecommender.train(all), dir);
        case "sasrec" -> {
          try (SasRecRecommender s = SasRecRecommender.untrained(SasRecConfig.builder().build(), all.numItems(), null)) {
            s.save(dir.resolve("sasrec.safetensors"));
          }
        }
        default -> throw new IllegalArgumentException("--model " + model + " is unknown; allowed: popularity, sasrec");
      }
    }
    List<int[]> histories = new ArrayList<>(users);
    for (int u = 0; u < users; u++) {
      histories.add(data.sequence(u));
    }
    int cores = Runtime.getRuntime().availableProcessors();
    out.printf(Locale.ROOT, "model %s, %d users, %d items, k = %d, Spark %s, master %s, %d cores%n",
        bundle != null ? bundle : model, users, data.numItems(), k, spark.version(),
        spark.sparkContext().master(), cores);
    try (SequentialRecommender rec = Bundles.load(dir, ScoringOptions.defaults().withIntraOpThreads(cores))) {
      double batch = medianSeconds(repeats, () -> {
        for (int from = 0; from < users; from += ScoringOptions.DEFAULT_BATCH_SIZE) {
          rec.topK(histories.subList(from, Math.min(users, from + ScoringOptions.DEFAULT_BATCH_SIZE)), k);
        }
      });
      out.printf(Locale.ROOT, "single JVM batch topK (%d ORT threads): %.0f users/s (median of %d: %.2f s)%n",
          cores, users / batch, repeats, batch);
      double sparkBatches = medianSeconds(repeats, () -> {
        for (int from = 0; from < users; from += ScoringOptions.DEFAULT_BATCH_SIZE) {
          SparkTopK.topK(rec, histories.subList(from, Math.min(users, from + ScoringOptions.DEFAULT_BATCH_SIZE)), k);
        }
      });
      out.printf(Locale.ROOT, "single JVM SparkTopK.topK (%d ORT threads): %.0f users/s "
          + "(median of %d: %.2f s)%n", cores, users / sparkBatches, repeats, sparkBatches);
    }
    String path = dir.toString();
    for (int p : partitions) {
      Dataset<Row> in = SparkSequences.of(spark, data, p)
          .withColumnRenamed(SparkSequences.SEQUENCE, SparkTopK.HISTORY).cache();
      in.count();
      double job = medianSeconds(repeats, () -> SparkTopK.recommend(in, path, k, ScoringOptions.defaults())
          .write().format("noop").mode("overwrite").save());
      in.unpersist();
      out.printf(Locale.ROOT, "Spark %s, %d partitions (1 ORT thread per task): %.0f users/s (median of %d: %.2f s)%n",
          spark.sparkContext().master(), p, users / job, repeats, job);
    }
    BundleCache.closeAll();
  }

  /** Runs {@code work} once untimed, then {@code repeats} times, and returns the median seconds. */
  private static double medianSeconds(int repeats, Runnable work) {
    work.run();
    double[] times = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      work.run();
      times[r] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(times);
    return repeats % 2 == 1 ? times[repeats / 2] : (times[repeats / 2 - 1] + times[repeats / 2]) / 2;
  }
}

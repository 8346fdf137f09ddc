package io.github.mmesid.spark;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequentialRecommender;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch top-K recommendation on Spark: a DataFrame of users and their histories in, each user's
 * best items and scores out, for any model directory {@link Bundles} opens.
 *
 * <p>Inside each partition the rows are taken in batches of {@link ScoringOptions#batchSize()}
 * and scored with the recommender's batch {@code topK} (the SDK's ONNX Runtime models run one
 * inference per history length, {@link io.github.mmesid.core.LengthBatches}). The model is
 * loaded once per executor JVM ({@link BundleCache}) and shared by all of
 * its tasks; only the path and the options travel with the task. A model that fails to load
 * fails the tasks, and after Spark's retries the job, with the SDK loader's message.
 *
 * <p>Output rows follow input rows one to one (same partitions, same order within them), and a
 * row's items and scores depend only on its history (they equal the single-JVM {@code
 * topK(history, k)}), so the result does not depend on the partitioning, the batch size or task
 * retries.
 */
public final class SparkTopK {

  /** Input and output column: the user key (any type; passed through unchanged). */
  public static final String USER = "user";
  /** Input column: the history, {@code array<int>} of item ids 1..N, oldest first (0 = padding). */
  public static final String HISTORY = "history";
  /** Output column: the recommended items, {@code array<int>}, best first. */
  public static final String ITEMS = "items";
  /** Output column: their scores, {@code array<float>}, aligned with {@link #ITEMS}. */
  public static final String SCORES = "scores";

  private SparkTopK() {}

  /**
   * Recommends the {@code k} best next items for every user.
   *
   * <p>Each user gets {@code min(k, candidates)} items, best first, where the candidates are the
   * N items minus the history's (the history's items are never recommended, as by {@link
   * SequentialRecommender#topK(int[], int)}; ties go to the lower item id); a history that holds
   * every item gets empty arrays. A null history, a null element or an id outside 0..N fails the
   * job naming the user.
   *
   * @param users columns {@value #USER} (any type) and {@value #HISTORY} ({@code array<int>});
   *     other columns are dropped
   * @param bundlePath the model directory, readable at this path on every executor
   * @param k how many items per user, 1..100000
   * @param options batch size, ONNX Runtime threads per executor, base model
   * @return a DataFrame ({@value #USER}, {@value #ITEMS} {@code array<int>}, {@value #SCORES}
   *     {@code array<float>}), lazily evaluated
   * @throws IllegalArgumentException if an argument is invalid or a column is missing or of the
   *     wrong type
   */
  public static Dataset<Row> recommend(Dataset<Row> users, String bundlePath, int k,
      ScoringOptions options) {
    if (users == null) {
      throw new IllegalArgumentException("users must not be null");
    }
    SparkColumns.path(bundlePath, "bundlePath");
    if (k < 1 || k > 100_000) {
      throw new IllegalArgumentException("k = " + k + "; allowed 1..100000");
    }
    SparkColumns.options(options);
    StructField user = SparkColumns.field(users.schema(), USER, null, "users");
    SparkColumns.field(users.schema(), HISTORY, DataTypes.createArrayType(DataTypes.IntegerType), "users");
    StructType out = new StructType(new StructField[] {
        user,
        DataTypes.createStructField(ITEMS, DataTypes.createArrayType(DataTypes.IntegerType, false), false),
        DataTypes.createStructField(SCORES, DataTypes.createArrayType(DataTypes.FloatType, false), false)});
    return users.select(USER, HISTORY)
        .mapPartitions(new TopKPartition(bundlePath, k, options), Encoders.row(out));
  }

  /** Scores one partition in batches; holds only the path, k and options. */
  private static final class TopKPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final int k;
    private final TaskOptions options;

    TopKPartition(String path, int k, ScoringOptions options) {
      this.path = path;
      this.k = k;
      this.options = TaskOptions.of(options);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
      return new Batched<>(input, options.batchSize()) {
        private SequentialRecommender rec;

        @Override
        List<Row> process(List<Row> batch) {
          if (rec == null) {
            rec = BundleCache.recommender(path, options.options());
          }
          int n = rec.numItems();
          List<int[]> histories = new ArrayList<>(batch.size());
          for (Row r : batch) {
            histories.add(SparkColumns.history(r, 1, n, r.get(0)));
          }
          List<List<ScoredItem>> top = topK(rec, histories, k);
          List<Row> out = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            List<ScoredItem> t = top.get(i);
            int[] items = new int[t.size()];
            float[] scores = new float[t.size()];
            for (int j = 0; j < items.length; j++) {
              items[j] = t.get(j).item();
              scores[j] = t.get(j).score();
            }
            out.add(RowFactory.create(batch.get(i).get(0), items, scores));
          }
          return out;
        }
      };
    }
  }

  /**
   * Scores one batch as each partition does, usable in one JVM: the recommender's batch {@code
   * topK(histories, k)}, {@code topK(history, candidates)} for a history with fewer than {@code
   * k} candidates, and an empty list for one that holds every item. With the SDK's models each
   * history gets the result of scoring it alone.
   *
   * @param rec the recommender
   * @param histories the histories, each validated as by {@link SequentialRecommender#topK(int[],
   *     int)}
   * @param k items per history, {@code >= 1}
   * @return one list per history, in order
   * @throws IllegalArgumentException if a history holds an id outside 0..N or {@code k < 1}
   */
  public static List<List<ScoredItem>> topK(SequentialRecommender rec, List<int[]> histories, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k = " + k + "; allowed >= 1");
    }
    int n = rec.numItems();
    for (int[] h : histories) {
      SequentialRecommender.validateHistory(h, n);
    }
    List<List<ScoredItem>> out = new ArrayList<>(java.util.Collections.nCopies(histories.size(), null));
    List<int[]> full = new ArrayList<>(histories.size());
    List<Integer> fullAt = new ArrayList<>(histories.size());
    for (int i = 0; i < histories.size(); i++) {
      int[] h = histories.get(i);
      int cands = SequentialRecommender.candidateCount(h, n);
      if (cands >= k) {
        full.add(h);
        fullAt.add(i);
      } else {
        out.set(i, cands == 0 ? List.of() : rec.topK(h, cands));
      }
    }
    if (!full.isEmpty()) {
      List<List<ScoredItem>> batched = rec.topK(full, k);
      for (int j = 0; j < fullAt.size(); j++) {
        out.set(fullAt.get(j), batched.get(j));
      }
    }
    return out;
  }

  /**
   * An iterator that pulls its input in batches and emits each processed batch in order; it
   * never holds more than one batch.
   *
   * @param <T> the output type
   */
  abstract static class Batched<T> implements Iterator<T> {
    private final Iterator<Row> input;
    private final int batchSize;
    private List<T> current = List.of();
    private int pos;

    Batched(Iterator<Row> input, int batchSize) {
      this.input = input;
      this.batchSize = batchSize;
    }

    /** Turns one batch of input rows into output elements. */
    abstract List<T> process(List<Row> batch);

    @Override
    public boolean hasNext() {
      while (pos >= current.size()) {
        if (!input.hasNext()) {
          return false;
        }
        List<Row> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && input.hasNext()) {
          batch.add(input.next());
        }
        current = process(batch);
        pos = 0;
      }
      return true;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.get(pos++);
    }
  }
}

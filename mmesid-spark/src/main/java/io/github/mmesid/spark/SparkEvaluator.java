package io.github.mmesid.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.TopK;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Distributed leave-one-out full-ranking evaluation with the single-JVM {@link Evaluator}'s
 * definitions: for each user with at least {@value LeaveOneOutSplit#MIN_EVAL_LENGTH} items the
 * model scores all N items from the history before the target (test: the last item, valid: the
 * second-to-last); the target's rank counts the candidates ordered before it ({@link TopK}
 * order); a target already in the history is a miss unless history items are candidates
 * ({@link Builder#excludeHistory(boolean)}).
 *
 * <p>Unlike {@link Evaluator}, which compares the model's item count with the data set's, this
 * class sees no data set: it checks that every history item and target is an item of the model
 * (1..N) and fails the job naming the user otherwise.
 *
 * <p>Ranks are computed inside partitions ({@link #ranks}) with {@link Evaluator#ranks}, the
 * single-JVM evaluator's batch step; the SDK's models score histories of one length together
 * ({@link io.github.mmesid.core.LengthBatches}), so each user's scores are those of scoring it alone, whatever the partitioning. {@link
 * #evaluate} aggregates the ranks as integer counts of each rank below the largest K, so the
 * metrics do not depend on the partitioning, and they equal {@link Evaluator}'s up to the order
 * of a floating-point sum (within 1e-12).
 */
public final class SparkEvaluator {

  /** Output column of {@link #ranks}: the 0-based target rank ({@link EvaluationResult#NOT_RANKED} for an impossible hit). */
  public static final String RANK = "rank";
  /** Output column of {@link #ranks}: the target item. */
  public static final String TARGET = "target";

  /** The cut-offs, split and candidate rule, as the single-JVM evaluator holds them. */
  private final Evaluator settings;
  private final ScoringOptions options;

  private SparkEvaluator(Builder b) {
    this.settings = b.settings.build();
    this.options = b.options;
  }

  /**
   * Starts a builder with {@link Evaluator}'s defaults: K = 5, 10, 20; the test split; history
   * items excluded; default scoring options.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Computes each evaluable user's target rank.
   *
   * @param sequences columns {@value SparkSequences#USER} (any type) and {@value
   *     SparkSequences#SEQUENCE} ({@code array<int>}, the whole sequence, oldest first)
   * @param bundlePath the model directory, readable at this path on every executor
   * @return a DataFrame ({@value SparkSequences#USER}, {@value #TARGET} int, {@value #RANK} int)
   *     with one row per user of at least 3 items, lazily evaluated
   * @throws IllegalArgumentException if an argument is invalid or a column is missing or of the
   *     wrong type
   */
  public Dataset<Row> ranks(Dataset<Row> sequences, String bundlePath) {
    if (sequences == null) {
      throw new IllegalArgumentException("sequences must not be null");
    }
    SparkColumns.path(bundlePath, "bundlePath");
    StructField user = SparkColumns.field(sequences.schema(), SparkSequences.USER, null, "sequences");
    SparkColumns.field(sequences.schema(), SparkSequences.SEQUENCE,
        DataTypes.createArrayType(DataTypes.IntegerType), "sequences");
    StructType out = new StructType(new StructField[] {user,
        DataTypes.createStructField(TARGET, DataTypes.IntegerType, false),
        DataTypes.createStructField(RANK, DataTypes.IntegerType, false)});
    return sequences.select(SparkSequences.USER, SparkSequences.SEQUENCE)
        .mapPartitions(new RankPartition(bundlePath, settings.split(), settings.excludeHistory(), options),
            Encoders.row(out));
  }

  /**
   * Evaluates a model: {@link #ranks}, then the counts of each rank below the largest K summed
   * over all partitions, then Recall, NDCG and MRR at each K averaged over users.
   *
   * @param sequences as for {@link #ranks}
   * @param bundlePath the model directory
   * @return the metrics
   * @throws IllegalArgumentException if an argument is invalid or no user has 3 items; a job that
   *     fails (a model that does not load, bad data) throws Spark's exception with the cause's
   *     message
   */
  public SparkEvaluationResult evaluate(Dataset<Row> sequences, String bundlePath) {
    int[] ks = settings.ks();
    int maxK = ks[ks.length - 1];
    List<Row> counts = ranks(sequences, bundlePath)
        .select(when(col(RANK).lt(maxK), col(RANK)).otherwise(lit(-1)).as("bucket"))
        .groupBy("bucket").count().collectAsList();
    long users = 0;
    long[] rankCounts = new long[maxK];
    for (Row r : counts) {
      int bucket = r.getInt(0);
      long c = r.getLong(1);
      users += c;
      if (bucket >= 0) {
        rankCounts[bucket] = c;
      }
    }
    if (users == 0) {
      throw new IllegalArgumentException("no user has at least " + LeaveOneOutSplit.MIN_EVAL_LENGTH
          + " items; nothing to evaluate");
    }
    return new SparkEvaluationResult(settings.split(), ks, users, rankCounts);
  }

  /** Ranks one partition's users in batches; holds only the path and settings. */
  private static final class RankPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final Split split;
    private final boolean excludeHistory;
    private final TaskOptions options;

    RankPartition(String path, Split split, boolean excludeHistory, ScoringOptions options) {
      this.path = path;
      this.split = split;
      this.excludeHistory = excludeHistory;
      this.options = TaskOptions.of(options);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
      return new SparkTopK.Batched<>(input, options.batchSize()) {
        private SequentialRecommender rec;

        @Override
        List<Row> process(List<Row> batch) {
          List<Object> users = new ArrayList<>(batch.size());
          List<int[]> histories = new ArrayList<>(batch.size());
          int[] targets = new int[batch.size()];
          for (Row r : batch) {
            int[] seq = SparkColumns.ints(r, 1, r.get(0), SparkSequences.SEQUENCE);
            if (seq.length < LeaveOneOutSplit.MIN_EVAL_LENGTH) {
              continue;
            }
            int cut = LeaveOneOutSplit.targetIndex(seq.length, split);
            targets[users.size()] = seq[cut];
            users.add(r.get(0));
            histories.add(Arrays.copyOf(seq, cut));
          }
          if (users.isEmpty()) {
            return List.of();
          }
          if (rec == null) {
            rec = BundleCache.recommender(path, options.options());
          }
          int n = rec.numItems();
          for (int i = 0; i < users.size(); i++) {
            int[] h = histories.get(i);
            for (int t = 0; t < h.length; t++) {
              if (h[t] < 1 || h[t] > n) {
                throw new IllegalArgumentException("user " + users.get(i) + ": sequence[" + t + "] = " + h[t]
                    + " is not an item id of the model; allowed 1.." + n);
              }
            }
            if (targets[i] < 1 || targets[i] > n) {
              throw new IllegalArgumentException("user " + users.get(i) + ": " + split + " target "
                  + targets[i] + " is not an item id of the model; allowed 1.." + n);
            }
          }
          int[] ranks = Evaluator.ranks(rec, histories, Arrays.copyOf(targets, users.size()), excludeHistory);
          List<Row> out = new ArrayList<>(users.size());
          for (int i = 0; i < users.size(); i++) {
            out.add(RowFactory.create(users.get(i), targets[i], ranks[i]));
          }
          return out;
        }
      };
    }
  }

  /** Settings of a {@link SparkEvaluator}. Not thread-safe. */
  public static final class Builder {
    /** The largest K: {@link #evaluate} counts each rank below it. */
    private static final int MAX_K = 100_000;
    private final Evaluator.Builder settings = Evaluator.builder();
    private ScoringOptions options = ScoringOptions.defaults();

    private Builder() {}

    /**
     * Sets the cut-offs, validated as by {@link Evaluator.Builder#ks(int...)}, each at most
     * 100000.
     *
     * @param values one or more distinct K values, each 1..100000; sorted ascending
     * @return this builder
     * @throws IllegalArgumentException if empty, repeated or out of range
     */
    public Builder ks(int... values) {
      int[] sorted = Evaluator.builder().ks(values).build().ks(); // the same checks and messages
      if (sorted[sorted.length - 1] > MAX_K) {
        throw new IllegalArgumentException("K = " + sorted[sorted.length - 1] + " is too large; allowed 1.."
            + MAX_K);
      }
      settings.ks(sorted);
      return this;
    }

    /**
     * Sets the split (as {@link Evaluator.Builder#split(Split)}).
     *
     * @param s test or valid
     * @return this builder
     * @throws IllegalArgumentException if null
     */
    public Builder split(Split s) {
      settings.split(s);
      return this;
    }

    /**
     * Sets whether the history's items are excluded from the candidates (as in {@link
     * Evaluator.Builder#excludeHistory(boolean)}).
     *
     * @param exclude true (default) or false for repeat-consumption data
     * @return this builder
     */
    public Builder excludeHistory(boolean exclude) {
      settings.excludeHistory(exclude);
      return this;
    }

    /**
     * Sets the scoring options (batch size, ONNX Runtime threads per executor, base model).
     *
     * @param o the options
     * @return this builder
     */
    public Builder options(ScoringOptions o) {
      this.options = SparkColumns.options(o);
      return this;
    }

    /**
     * Creates the evaluator.
     *
     * @return the evaluator
     */
    public SparkEvaluator build() {
      return new SparkEvaluator(this);
    }
  }
}

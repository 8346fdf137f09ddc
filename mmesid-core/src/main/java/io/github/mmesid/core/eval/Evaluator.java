package io.github.mmesid.core.eval;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.TopK;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * Full-ranking leave-one-out evaluation of any {@link SequentialRecommender}.
 *
 * <p>For each evaluable user (at least 3 items) the recommender scores all N items given the
 * history before the target (test: the last item, valid: the second-to-last). The target's rank
 * is the number of candidate items ordered before it ({@link TopK} order: higher score, then
 * lower item id). Recall@K, NDCG@K and MRR@K are averaged over users.
 *
 * <p><b>Candidates.</b> By default the evaluator scores exactly what {@link
 * SequentialRecommender#topK} would return: the candidates are all items except padding and the
 * history's items, so a target that already occurs in the history can never be hit; it counts as
 * a miss with rank {@link EvaluationResult#NOT_RANKED}. For repeat-consumption data (users buy or
 * play the same item again) set {@link Builder#excludeHistory(boolean) excludeHistory(false)}:
 * every item 1..N is a candidate, history items included, and a repeated target is ranked like
 * any other (rank from the raw scores; recommend with {@link TopK#select} over the scores, not
 * with {@code topK}, which always drops the history).
 *
 * <p>Users are scored in batches ({@link SequentialRecommender#scores(List)}) of users with
 * similar history lengths (users sorted by length, so padded batches waste little), batches in
 * parallel on a {@link ForkJoinPool}. Results do not depend on the thread count.
 */
public final class Evaluator {

  private final int[] ks;
  private final Split split;
  private final int threads;
  private final int batchSize;
  private final boolean excludeHistory;

  private Evaluator(Builder b) {
    this.ks = b.ks;
    this.split = b.split;
    this.threads = b.threads;
    this.batchSize = b.batchSize;
    this.excludeHistory = b.excludeHistory;
  }

  /**
   * Starts a builder with the defaults: K = 5, 10, 20; the test split; one thread per available
   * processor; batches of 64 users; history items excluded from the candidates (as by {@code
   * topK}).
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the cut-offs, ascending.
   *
   * @return a copy of the K values
   */
  public int[] ks() {
    return ks.clone();
  }

  /**
   * Returns the split that is evaluated.
   *
   * @return test or valid
   */
  public Split split() {
    return split;
  }

  /**
   * Returns whether the history's items are excluded from the candidates ({@link
   * Builder#excludeHistory(boolean)}).
   *
   * @return true if a target already in the history is a miss
   */
  public boolean excludeHistory() {
    return excludeHistory;
  }

  /**
   * Evaluates a recommender on a dataset's leave-one-out split.
   *
   * @param recommender the recommender; its {@code numItems()} must equal the dataset's
   * @param dataset the dataset
   * @return the metrics
   * @throws IllegalArgumentException if the item counts differ or no user is evaluable
   */
  public EvaluationResult evaluate(SequentialRecommender recommender, SequenceDataset dataset) {
    return evaluate(recommender, LeaveOneOutSplit.of(dataset));
  }

  /**
   * Evaluates a recommender on a leave-one-out split.
   *
   * @param recommender the recommender; its {@code numItems()} must equal the dataset's
   * @param loo the split
   * @return the metrics
   * @throws IllegalArgumentException if the item counts differ or no user is evaluable
   */
  public EvaluationResult evaluate(SequentialRecommender recommender, LeaveOneOutSplit loo) {
    int n = loo.numItems();
    if (recommender.numItems() != n) {
      throw new IllegalArgumentException(
          "the recommender ranks " + recommender.numItems() + " items but the dataset has " + n
              + "; they must be the same item set 1.." + n);
    }
    int[] users = loo.evaluableUsers();
    if (users.length == 0) {
      throw new IllegalArgumentException(
          "no user has at least " + LeaveOneOutSplit.MIN_EVAL_LENGTH + " items; nothing to evaluate");
    }
    int[] ranks = new int[users.length];
    // Batches take users in order of history length (ties by user), so that a batch holds
    // histories of similar length: models that pad a batch to its longest history do almost no
    // padding work, and those that group equal lengths run few groups per batch.
    int[][] histories = new int[users.length][];
    for (int i = 0; i < users.length; i++) {
      histories[i] = loo.history(users[i], split);
    }
    int[] order = byLength(histories);
    int batches = (users.length + batchSize - 1) / batchSize;
    if (threads == 1 || batches == 1) {
      for (int b = 0; b < batches; b++) {
        rankBatch(recommender, loo, users, histories, order, ranks, b);
      }
    } else {
      ForkJoinPool pool = new ForkJoinPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>(batches);
        for (int b = 0; b < batches; b++) {
          final int batch = b;
          futures.add(pool.submit(() -> rankBatch(recommender, loo, users, histories, order, ranks, batch)));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("evaluation was interrupted", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw new IllegalStateException("evaluation failed: " + cause, cause);
      } finally {
        pool.shutdownNow();
      }
    }
    return new EvaluationResult(split, ks, users, ranks);
  }

  /** Indices of {@code histories} by length, ties by index. */
  private static int[] byLength(int[][] histories) {
    int n = histories.length;
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = ((long) histories[i].length << 32) | i;
    }
    Arrays.sort(keyed);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = (int) keyed[i];
    }
    return out;
  }

  private void rankBatch(SequentialRecommender rec, LeaveOneOutSplit loo, int[] users, int[][] allHistories,
      int[] order, int[] ranks, int batch) {
    int from = batch * batchSize;
    int to = Math.min(users.length, from + batchSize);
    List<int[]> histories = new ArrayList<>(to - from);
    int[] targets = new int[to - from];
    for (int i = from; i < to; i++) {
      int u = order[i];
      histories.add(allHistories[u]);
      targets[i - from] = loo.target(users[u], split);
    }
    int[] batchRanks = ranks(rec, histories, targets, excludeHistory);
    for (int i = from; i < to; i++) {
      ranks[order[i]] = batchRanks[i - from];
    }
  }

  /**
   * Scores a batch of histories with one {@link SequentialRecommender#scores(List)} call and
   * ranks each target as {@link #rank} does: the batch step of {@link #evaluate}, for callers
   * that form the batches themselves (e.g. a distributed evaluation).
   *
   * @param recommender the recommender
   * @param histories the histories, each holding item ids 1..N
   * @param targets the held-out items, 1..N, aligned with {@code histories}
   * @param excludeHistory whether history items are excluded from the candidates
   * @return the 0-based ranks ({@link EvaluationResult#NOT_RANKED} for a target that cannot be
   *     recommended), aligned with {@code histories}
   * @throws IllegalArgumentException if {@code targets} is not aligned with {@code histories}
   * @throws IllegalStateException if the recommender returns another number of score arrays than
   *     histories, or an array that does not hold N + 1 scores
   */
  public static int[] ranks(SequentialRecommender recommender, List<int[]> histories, int[] targets,
      boolean excludeHistory) {
    if (targets.length != histories.size()) {
      throw new IllegalArgumentException(targets.length + " targets for " + histories.size()
          + " histories; give one target per history");
    }
    int n = recommender.numItems();
    float[][] scores = recommender.scores(histories);
    if (scores.length != histories.size()) {
      throw new IllegalStateException(
          "recommender returned " + scores.length + " score arrays for " + histories.size() + " histories");
    }
    int[] out = new int[targets.length];
    for (int i = 0; i < out.length; i++) {
      float[] s = scores[i];
      if (s == null || s.length != n + 1) {
        throw new IllegalStateException(
            "recommender returned " + (s == null ? "null" : s.length + " scores") + "; expected numItems() + 1 = "
                + (n + 1));
      }
      out[i] = rank(s, targets[i], histories.get(i), excludeHistory);
    }
    return out;
  }

  /**
   * The rank this evaluator gives a target: the number of candidate items ordered before it
   * ({@link TopK} order). With {@code excludeHistory} the history's items are not candidates, and
   * a target that is in the history gets {@link EvaluationResult#NOT_RANKED} ({@code topK} never
   * returns it); without, every item 1..N is a candidate.
   *
   * @param scores the scores of items 0..N (index 0 is padding and ignored)
   * @param target the held-out item, 1..N
   * @param history the user's history
   * @param excludeHistory whether history items are excluded (the default of {@link Builder})
   * @return the 0-based rank, or {@link EvaluationResult#NOT_RANKED}
   */
  public static int rank(float[] scores, int target, int[] history, boolean excludeHistory) {
    if (!excludeHistory) {
      return TopK.rank(scores, target, null);
    }
    return contains(history, target) ? EvaluationResult.NOT_RANKED : TopK.rank(scores, target, history);
  }

  private static boolean contains(int[] items, int item) {
    for (int x : items) {
      if (x == item) {
        return true;
      }
    }
    return false;
  }

  /** Settings of an {@link Evaluator}. Not thread-safe. */
  public static final class Builder {
    private int[] ks = {5, 10, 20};
    private Split split = Split.TEST;
    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchSize = 64;
    private boolean excludeHistory = true;

    private Builder() {}

    /**
     * Sets whether the history's items are excluded from the candidates.
     *
     * @param exclude true (default): rank among the items {@code topK} could return, so a target
     *     that is already in the history is a miss; false: rank among all items, for
     *     repeat-consumption data where users interact with the same item again
     * @return this builder
     */
    public Builder excludeHistory(boolean exclude) {
      this.excludeHistory = exclude;
      return this;
    }

    /**
     * Sets the cut-offs.
     *
     * @param values one or more distinct K values, each {@code >= 1}; sorted ascending
     * @return this builder
     * @throws IllegalArgumentException if empty, repeated or below 1
     */
    public Builder ks(int... values) {
      if (values == null || values.length == 0) {
        throw new IllegalArgumentException("at least one K is needed, e.g. 5,10,20");
      }
      int[] s = values.clone();
      Arrays.sort(s);
      for (int i = 0; i < s.length; i++) {
        if (s[i] < 1) {
          throw new IllegalArgumentException("K = " + s[i] + " is invalid; each K must be >= 1");
        }
        if (i > 0 && s[i] == s[i - 1]) {
          throw new IllegalArgumentException("K = " + s[i] + " is repeated; K values must be distinct");
        }
      }
      this.ks = s;
      return this;
    }

    /**
     * Sets the split.
     *
     * @param s test or valid
     * @return this builder
     */
    public Builder split(Split s) {
      if (s == null) {
        throw new IllegalArgumentException("split must be TEST or VALID, not null");
      }
      this.split = s;
      return this;
    }

    /**
     * Sets the number of worker threads.
     *
     * @param n 1..1024
     * @return this builder
     */
    public Builder threads(int n) {
      if (n < 1 || n > 1024) {
        throw new IllegalArgumentException("threads = " + n + "; allowed 1..1024");
      }
      this.threads = n;
      return this;
    }

    /**
     * Sets how many users are scored per {@link SequentialRecommender#scores(List)} call.
     *
     * @param n 1..65536
     * @return this builder
     */
    public Builder batchSize(int n) {
      if (n < 1 || n > 65536) {
        throw new IllegalArgumentException("batchSize = " + n + "; allowed 1..65536");
      }
      this.batchSize = n;
      return this;
    }

    /**
     * Creates the evaluator.
     *
     * @return the evaluator
     */
    public Evaluator build() {
      return new Evaluator(this);
    }
  }
}

package io.github.mmesid.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.eval.Metrics;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics of a {@link SparkEvaluator} run: the number of evaluated users and how many
 * targets had each rank below the largest K, from which Recall, NDCG and MRR at each K follow with
 * {@link Metrics}' definitions. Immutable; keys and JSON as {@code EvaluationResult}'s.
 */
public final class SparkEvaluationResult {

  private final Split split;
  private final int[] ks;
  private final long users;
  private final long[] rankCounts;
  private final LinkedHashMap<String, Double> metrics = new LinkedHashMap<>();

  SparkEvaluationResult(Split split, int[] ks, long users, long[] rankCounts) {
    this.split = split;
    this.ks = ks.clone();
    this.users = users;
    this.rankCounts = rankCounts.clone();
    for (int k : ks) {
      double recall = 0;
      double ndcg = 0;
      double mrr = 0;
      for (int r = 0; r < k; r++) {
        long c = rankCounts[r];
        recall += c * Metrics.recall(r, k);
        ndcg += c * Metrics.ndcg(r, k);
        mrr += c * Metrics.mrr(r, k);
      }
      metrics.put("recall@" + k, recall / users);
      metrics.put("ndcg@" + k, ndcg / users);
      metrics.put("mrr@" + k, mrr / users);
    }
  }

  /**
   * Returns the split that was evaluated.
   *
   * @return the split
   */
  public Split split() {
    return split;
  }

  /**
   * Returns the number of evaluated users.
   *
   * @return the user count
   */
  public long users() {
    return users;
  }

  /**
   * Returns the cut-offs, ascending.
   *
   * @return a copy
   */
  public int[] ks() {
    return ks.clone();
  }

  /**
   * Returns how many targets had each 0-based rank r below the largest K.
   *
   * @return a copy, index = rank
   */
  public long[] rankCounts() {
    return rankCounts.clone();
  }

  /**
   * Returns the metrics in table order: for each K, {@code recall@K}, {@code ndcg@K}, {@code mrr@K}.
   *
   * @return an unmodifiable ordered map
   */
  public Map<String, Double> metrics() {
    return Collections.unmodifiableMap(metrics);
  }

  /**
   * Returns one metric.
   *
   * @param name {@code recall}, {@code ndcg} or {@code mrr}
   * @param k one of {@link #ks()}
   * @return the average over users
   * @throws IllegalArgumentException if the name or K was not evaluated
   */
  public double metric(String name, int k) {
    Double v = metrics.get(String.valueOf(name).toLowerCase(Locale.ROOT) + "@" + k);
    if (v == null) {
      throw new IllegalArgumentException("no metric '" + name + "@" + k + "'; available: " + metrics.keySet());
    }
    return v;
  }

  /**
   * Formats the metrics as JSON with keys {@code recall@5}, ... and {@code users}, as {@code
   * EvaluationResult.toJson()} does.
   *
   * @return pretty-printed JSON
   */
  public String toJson() {
    LinkedHashMap<String, Object> out = new LinkedHashMap<>(metrics);
    out.put("users", users);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not format metrics as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Returns the split, user count and metrics. */
  @Override
  public String toString() {
    return "SparkEvaluationResult[split=" + split + ", users=" + users + ", ks=" + Arrays.toString(ks)
        + ", " + metrics + "]";
  }
}

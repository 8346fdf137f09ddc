package io.github.mmesid.core.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.data.Split;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The averaged metrics of one evaluation run plus each evaluated user's target rank. Immutable.
 */
public final class EvaluationResult {

  /**
   * The rank of a target that cannot be recommended (it is in the history and history items
   * are excluded, see {@link Evaluator}): a miss at every K.
   */
  public static final int NOT_RANKED = Integer.MAX_VALUE;

  private final Split split;
  private final int[] ks;
  private final int[] users;
  private final int[] ranks;
  private final LinkedHashMap<String, Double> metrics;

  EvaluationResult(Split split, int[] ks, int[] users, int[] ranks) {
    this.split = split;
    this.ks = ks.clone();
    this.users = users.clone();
    this.ranks = ranks.clone();
    LinkedHashMap<String, Double> m = new LinkedHashMap<>();
    for (int k : ks) {
      double recall = 0;
      double ndcg = 0;
      double mrr = 0;
      for (int rank : ranks) { // summed in user order: deterministic regardless of threads
        recall += Metrics.recall(rank, k);
        ndcg += Metrics.ndcg(rank, k);
        mrr += Metrics.mrr(rank, k);
      }
      int n = Math.max(1, ranks.length);
      m.put("recall@" + k, recall / n);
      m.put("ndcg@" + k, ndcg / n);
      m.put("mrr@" + k, mrr / n);
    }
    this.metrics = m;
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
  public int users() {
    return ranks.length;
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
   * Returns the metrics in table order: for each K, {@code recall@K}, {@code ndcg@K},
   * {@code mrr@K}.
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
    Double v = metrics.get(name.toLowerCase(Locale.ROOT) + "@" + k);
    if (v == null) {
      throw new IllegalArgumentException(
          "no metric '" + name + "@" + k + "'; available: " + metrics.keySet());
    }
    return v;
  }

  /**
   * Returns Recall@K.
   *
   * @param k one of {@link #ks()}
   * @return the average over users
   */
  public double recall(int k) {
    return metric("recall", k);
  }

  /**
   * Returns NDCG@K.
   *
   * @param k one of {@link #ks()}
   * @return the average over users
   */
  public double ndcg(int k) {
    return metric("ndcg", k);
  }

  /**
   * Returns MRR@K.
   *
   * @param k one of {@link #ks()}
   * @return the average over users
   */
  public double mrr(int k) {
    return metric("mrr", k);
  }

  /**
   * Returns the indices of the evaluated users, aligned with {@link #ranks()}.
   *
   * @return a copy
   */
  public int[] evaluatedUsers() {
    return users.clone();
  }

  /**
   * Returns each evaluated user's 0-based target rank ({@link #NOT_RANKED} for a target that
   * could not be recommended).
   *
   * @return a copy, aligned with {@link #evaluatedUsers()}
   */
  public int[] ranks() {
    return ranks.clone();
  }

  /**
   * Formats the metrics as a text table with one row per metric and one column per K.
   *
   * @return the table, ending with a newline
   */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "split=%s  users=%d%n", split, ranks.length));
    sb.append(String.format(Locale.ROOT, "%-8s", "metric"));
    for (int k : ks) {
      sb.append(String.format(Locale.ROOT, " %8s", "@" + k));
    }
    sb.append(System.lineSeparator());
    for (String name : new String[] {"recall", "ndcg", "mrr"}) {
      sb.append(String.format(Locale.ROOT, "%-8s", name.equals("ndcg") ? "NDCG" : name.equals("mrr") ? "MRR" : "Recall"));
      for (int k : ks) {
        sb.append(String.format(Locale.ROOT, " %8.4f", metric(name, k)));
      }
      sb.append(System.lineSeparator());
    }
    return sb.toString();
  }

  /**
   * Formats the metrics as a JSON object with keys {@code recall@5}, {@code ndcg@5},
   * {@code mrr@5}, ... and {@code users}.
   *
   * @return pretty-printed JSON
   */
  public String toJson() {
    LinkedHashMap<String, Object> out = new LinkedHashMap<>(metrics);
    out.put("users", ranks.length);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not format metrics as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Writes {@link #toJson()} to a file, atomically.
   *
   * @param file the target file
   * @throws UncheckedIOException if writing fails
   */
  public void writeJson(Path file) {
    byte[] bytes = (toJson() + "\n").getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, out -> out.write(bytes));
  }

  /** Returns the split, user count and metrics. */
  @Override
  public String toString() {
    return "EvaluationResult[split=" + split + ", users=" + ranks.length + ", ks=" + Arrays.toString(ks) + ", " + metrics + "]";
  }
}

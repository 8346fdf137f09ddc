package io.github.mmesid.core.eval;

/**
 * Per-user ranking metrics for one held-out target, from its 0-based rank among the candidates
 * (rank 0 = the top item).
 */
public final class Metrics {

  private Metrics() {}

  /**
   * Recall@K (= hit rate with one target): 1 if {@code rank < k}, else 0.
   *
   * @param rank the target's 0-based rank, {@code >= 0}
   * @param k the cut-off, {@code >= 1}
   * @return 0 or 1
   */
  public static double recall(int rank, int k) {
    check(rank, k);
    return rank < k ? 1.0 : 0.0;
  }

  /**
   * NDCG@K with one relevant item: {@code 1 / log2(rank + 2)} if {@code rank < k}, else 0.
   *
   * @param rank the target's 0-based rank, {@code >= 0}
   * @param k the cut-off, {@code >= 1}
   * @return a value in [0, 1]
   */
  public static double ndcg(int rank, int k) {
    check(rank, k);
    return rank < k ? Math.log(2) / Math.log(rank + 2.0) : 0.0;
  }

  /**
   * MRR@K: {@code 1 / (rank + 1)} if {@code rank < k}, else 0.
   *
   * @param rank the target's 0-based rank, {@code >= 0}
   * @param k the cut-off, {@code >= 1}
   * @return a value in [0, 1]
   */
  public static double mrr(int rank, int k) {
    check(rank, k);
    return rank < k ? 1.0 / (rank + 1.0) : 0.0;
  }

  private static void check(int rank, int k) {
    if (rank < 0) {
      throw new IllegalArgumentException("rank = " + rank + "; ranks are 0-based, >= 0");
    }
    if (k < 1) {
      throw new IllegalArgumentException("k = " + k + "; cut-offs must be >= 1");
    }
  }
}

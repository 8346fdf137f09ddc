package io.github.mmesid.quant.cluster;

/**
 * Balanced assignment of B points to K codes by the Sinkhorn-Knopp algorithm (double precision).
 *
 * <p>The cost matrix is first min-max centred, {@code c = (d - mid) / amp} with {@code mid =
 * (max + min) / 2} and {@code amp = max - mid + 1e-5} over the whole matrix, then turned into the
 * kernel {@code exp(-c / epsilon)}. Each iteration divides every column by its sum and by K, then
 * every row by its sum and by B, so the plan's marginals approach the uniform ones (rows {@code
 * 1/B}, columns {@code 1/K}); a point goes to the code of the largest entry of its row.
 *
 * <p>Numerical safety: the kernel is formed row-stabilised, {@code exp(-(c - min_j c) / epsilon)}
 * (each row scaled by a constant, which the row normalisation absorbs, so the plan is unchanged),
 * and column sums are floored at {@code 1e-300}; small epsilons therefore never overflow, and a
 * code that no point can reach in double precision simply receives no mass.
 */
public final class Sinkhorn {

  private static final double TINY = 1e-300;

  private Sinkhorn() {}

  /**
   * Computes the transport plan.
   *
   * @param cost {@code [B][K]} costs (e.g. squared distances), all finite
   * @param epsilon the entropic regularisation, {@code > 0}
   * @param iterations the number of column-then-row normalisation rounds, {@code >= 1}
   * @return the plan {@code [B][K]}: rows sum to {@code 1/B}, columns approximately to {@code 1/K}
   * @throws IllegalArgumentException if the matrix is empty or ragged, a cost is not finite, or
   *     epsilon / iterations are out of range
   */
  public static double[][] plan(double[][] cost, double epsilon, int iterations) {
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("Sinkhorn epsilon = " + epsilon + "; allowed: a finite value > 0");
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("Sinkhorn iterations = " + iterations + "; allowed: >= 1");
    }
    if (cost == null || cost.length == 0 || cost[0] == null || cost[0].length == 0) {
      throw new IllegalArgumentException("Sinkhorn cost matrix is empty; it needs B >= 1 rows of K >= 1 costs");
    }
    int b = cost.length;
    int k = cost[0].length;
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < b; i++) {
      if (cost[i] == null || cost[i].length != k) {
        throw new IllegalArgumentException("Sinkhorn cost row " + i + " has "
            + (cost[i] == null ? 0 : cost[i].length) + " entries; every row must have K = " + k);
      }
      for (int j = 0; j < k; j++) {
        double v = cost[i][j];
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("Sinkhorn cost [" + i + "][" + j + "] = " + v + "; costs must be finite");
        }
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    }
    double mid = (max + min) / 2;
    double amp = max - mid + 1e-5;
    double[][] q = new double[b][k];
    for (int i = 0; i < b; i++) {
      double rowMin = Double.POSITIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        rowMin = Math.min(rowMin, (cost[i][j] - mid) / amp);
      }
      for (int j = 0; j < k; j++) {
        q[i][j] = Math.exp(-((cost[i][j] - mid) / amp - rowMin) / epsilon);
      }
    }
    double[] col = new double[k];
    for (int it = 0; it < iterations; it++) {
      java.util.Arrays.fill(col, 0);
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < k; j++) {
          col[j] += q[i][j];
        }
      }
      for (int j = 0; j < k; j++) {
        col[j] = 1.0 / (Math.max(col[j], TINY) * k);
      }
      for (int i = 0; i < b; i++) {
        double[] row = q[i];
        double s = 0;
        for (int j = 0; j < k; j++) {
          row[j] *= col[j];
          s += row[j];
        }
        double inv = 1.0 / (Math.max(s, TINY) * b);
        for (int j = 0; j < k; j++) {
          row[j] *= inv;
        }
      }
    }
    return q;
  }

  /**
   * Assigns every point to the code with the largest plan entry in its row (the first on ties).
   *
   * @param cost {@code [B][K]} costs
   * @param epsilon the entropic regularisation, {@code > 0}
   * @param iterations normalisation rounds, {@code >= 1}
   * @return B codes in {@code 0..K-1}
   * @throws IllegalArgumentException as {@link #plan}
   */
  public static int[] assign(double[][] cost, double epsilon, int iterations) {
    double[][] q = plan(cost, epsilon, iterations);
    int[] out = new int[q.length];
    for (int i = 0; i < q.length; i++) {
      int best = 0;
      for (int j = 1; j < q[i].length; j++) {
        if (q[i][j] > q[i][best]) {
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }
}

package io.github.mmesid.quant.cluster;

import java.util.Arrays;

/**
 * Balanced assignment of B points to K codes by the Sinkhorn-Knopp algorithm (double precision).
 *
 * <p>The cost matrix ({@code [B][K]}: a row per point, a column per code) is first min-max
 * centred, {@code c = (d - mid) / amp} with {@code mid = (max + min) / 2} and {@code amp = max -
 * mid + 1e-5} over the whole matrix, then turned into the kernel {@code exp(-c / epsilon)}. Each
 * iteration normalises both marginals towards the uniform ones (rows {@code 1/B}, columns {@code
 * 1/K}), in the {@link Order} given: {@link Order#CODES_FIRST} divides every column by its sum and
 * by K, then every row by its sum and by B (the last step fixes the rows exactly); {@link
 * Order#ITEMS_FIRST} does the rows first and the columns last (the columns come out exact). A
 * point goes to the code of the largest entry of its row, which depends only on the last column
 * scaling, so the two orders differ by half an iteration.
 *
 * <p>Numerical safety: the kernel is formed row-stabilised, {@code exp(-(c - min_j c) / epsilon)}
 * (each row scaled by a constant so that its largest entry is 1), and sums are floored at {@code
 * 1e-300}; small epsilons therefore never overflow, and a code that no point can reach in double
 * precision simply receives no mass. With {@link Order#ITEMS_FIRST} the first row normalisation
 * absorbs the row constants, so the plan is exactly that of the plain kernel {@code exp(-c /
 * epsilon)}; with {@link Order#CODES_FIRST} the first column normalisation sees the stabilised
 * rows, so the iterates (not the limit) are those of the kernel with rows scaled to a maximum of
 * 1.
 */
public final class Sinkhorn {

  private static final double TINY = 1e-300;

  /** Which marginal each Sinkhorn iteration normalises first. */
  public enum Order {
    /**
     * Columns (codes) first, then rows (points): after the last iteration every point's row sums
     * to exactly {@code 1/B}.
     */
    CODES_FIRST,
    /**
     * Rows (points) first, then columns (codes): after the last iteration every code's column
     * sums to exactly {@code 1/K} (the order of the MME-SID reference's Sinkhorn, LC-Rec {@code
     * index/models/layers.py} lines 99-104, whose {@code sum(dim=1)} step is a per-point sum).
     */
    ITEMS_FIRST
  }

  private Sinkhorn() {}

  /**
   * Computes the transport plan with {@link Order#CODES_FIRST} iterations.
   *
   * @param cost {@code [B][K]} costs (e.g. squared distances), all finite
   * @param epsilon the entropic regularisation, {@code > 0}
   * @param iterations the number of normalisation rounds, {@code >= 1}
   * @return the plan {@code [B][K]}: rows sum to {@code 1/B}, columns approximately to {@code 1/K}
   * @throws IllegalArgumentException as {@link #plan(double[][], double, int, Order)}
   */
  public static double[][] plan(double[][] cost, double epsilon, int iterations) {
    return plan(cost, epsilon, iterations, Order.CODES_FIRST);
  }

  /**
   * Computes the transport plan.
   *
   * @param cost {@code [B][K]} costs (e.g. squared distances), all finite
   * @param epsilon the entropic regularisation, {@code > 0}
   * @param iterations the number of normalisation rounds, {@code >= 1}
   * @param order which marginal each round normalises first
   * @return the plan {@code [B][K]}: with {@link Order#CODES_FIRST} rows sum to {@code 1/B} and
   *     columns approximately to {@code 1/K}; with {@link Order#ITEMS_FIRST} columns sum to {@code
   *     1/K} and rows approximately to {@code 1/B}
   * @throws IllegalArgumentException if the matrix is empty or ragged, a cost is not finite,
   *     epsilon / iterations are out of range, or the order is null
   */
  public static double[][] plan(double[][] cost, double epsilon, int iterations, Order order) {
    if (order == null) {
      throw new IllegalArgumentException("Sinkhorn order is null; allowed: " + Arrays.toString(Order.values()));
    }
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
      double rowMinCost = Double.POSITIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        rowMinCost = Math.min(rowMinCost, cost[i][j]);
      }
      // centring is monotone, so this is the row's smallest centred cost
      double rowMin = (rowMinCost - mid) / amp;
      for (int j = 0; j < k; j++) {
        q[i][j] = Math.exp(-((cost[i][j] - mid) / amp - rowMin) / epsilon);
      }
    }
    double[] col = new double[k];
    for (int it = 0; it < iterations; it++) {
      if (order == Order.ITEMS_FIRST) {
        normaliseRows(q, b);
        normaliseColumns(q, col, k);
      } else {
        normaliseColumns(q, col, k);
        normaliseRows(q, b);
      }
    }
    return q;
  }

  /** Divides every column by its sum and by K. */
  private static void normaliseColumns(double[][] q, double[] col, int k) {
    Arrays.fill(col, 0);
    for (double[] row : q) {
      for (int j = 0; j < k; j++) {
        col[j] += row[j];
      }
    }
    for (int j = 0; j < k; j++) {
      col[j] = 1.0 / (Math.max(col[j], TINY) * k);
    }
    for (double[] row : q) {
      for (int j = 0; j < k; j++) {
        row[j] *= col[j];
      }
    }
  }

  /** Divides every row by its sum and by B. */
  private static void normaliseRows(double[][] q, int b) {
    for (double[] row : q) {
      double s = 0;
      for (double v : row) {
        s += v;
      }
      double inv = 1.0 / (Math.max(s, TINY) * b);
      for (int j = 0; j < row.length; j++) {
        row[j] *= inv;
      }
    }
  }

  /**
   * Assigns every point to the code with the largest plan entry in its row (the first on ties),
   * with {@link Order#CODES_FIRST} iterations.
   *
   * @param cost {@code [B][K]} costs
   * @param epsilon the entropic regularisation, {@code > 0}
   * @param iterations normalisation rounds, {@code >= 1}
   * @return B codes in {@code 0..K-1}
   * @throws IllegalArgumentException as {@link #plan(double[][], double, int, Order)}
   */
  public static int[] assign(double[][] cost, double epsilon, int iterations) {
    return assign(cost, epsilon, iterations, Order.CODES_FIRST);
  }

  /**
   * Assigns every point to the code with the largest plan entry in its row (the first on ties).
   *
   * @param cost {@code [B][K]} costs
   * @param epsilon the entropic regularisation, {@code > 0}
   * @param iterations normalisation rounds, {@code >= 1}
   * @param order which marginal each round normalises first
   * @return B codes in {@code 0..K-1}
   * @throws IllegalArgumentException as {@link #plan(double[][], double, int, Order)}
   */
  public static int[] assign(double[][] cost, double epsilon, int iterations, Order order) {
    double[][] q = plan(cost, epsilon, iterations, order);
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

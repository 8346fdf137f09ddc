package io.github.mmesid.quant.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Sinkhorn-Knopp plans: both normalisation orders against a naive implementation, marginals,
 * balance of the assignment, numerical safety, bad input.
 */
class SinkhornTest {

  private static double[][] skewedCosts(int b, int k, long seed) {
    // every point is closest to code 0 or 1: nearest-code assignment would use 2 of k codes
    SplittableRandom r = new SplittableRandom(seed);
    double[][] c = new double[b][k];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < k; j++) {
        c[i][j] = (j < 2 ? 0.1 : 1.0) + 0.3 * r.nextDouble() + 0.05 * j;
      }
    }
    return c;
  }

  /**
   * The reference's loop written plainly in double: min-max centre the costs, kernel {@code
   * exp(-c / eps)} (rows first scaled to a maximum of 1 when {@code stabilise}), divide by the
   * total, then per round divide each row by its sum and by B and each column by its sum and by
   * K, in the given order.
   */
  private static double[][] naivePlan(double[][] cost, double eps, int iters, boolean rowsFirst,
      boolean stabilise) {
    int b = cost.length;
    int k = cost[0].length;
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (double[] row : cost) {
      for (double v : row) {
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    }
    double mid = (max + min) / 2;
    double amp = max - mid + 1e-5;
    double[][] q = new double[b][k];
    double total = 0;
    for (int i = 0; i < b; i++) {
      double rowMin = Double.POSITIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        rowMin = Math.min(rowMin, (cost[i][j] - mid) / amp);
      }
      for (int j = 0; j < k; j++) {
        double c = (cost[i][j] - mid) / amp;
        q[i][j] = Math.exp(-(stabilise ? c - rowMin : c) / eps);
        total += q[i][j];
      }
    }
    for (double[] row : q) {
      for (int j = 0; j < k; j++) {
        row[j] /= total;
      }
    }
    for (int it = 0; it < iters; it++) {
      for (int step = 0; step < 2; step++) {
        boolean rows = (step == 0) == rowsFirst;
        if (rows) {
          for (double[] row : q) {
            double s = 0;
            for (double v : row) {
              s += v;
            }
            for (int j = 0; j < k; j++) {
              row[j] = row[j] / s / b;
            }
          }
        } else {
          for (int j = 0; j < k; j++) {
            double s = 0;
            for (double[] row : q) {
              s += row[j];
            }
            for (double[] row : q) {
              row[j] = row[j] / s / k;
            }
          }
        }
      }
    }
    return q;
  }

  private static int[] argmaxRows(double[][] q) {
    int[] out = new int[q.length];
    for (int i = 0; i < q.length; i++) {
      for (int j = 1; j < q[i].length; j++) {
        if (q[i][j] > q[i][out[i]]) {
          out[i] = j;
        }
      }
    }
    return out;
  }

  private static void assertPlansEqual(double[][] want, double[][] got, String what) {
    double scale = 0;
    for (double[] row : want) {
      for (double v : row) {
        scale = Math.max(scale, v);
      }
    }
    for (int i = 0; i < want.length; i++) {
      for (int j = 0; j < want[i].length; j++) {
        assertEquals(want[i][j], got[i][j], 1e-9 * scale, what + " [" + i + "][" + j + "]");
      }
    }
  }

  @Test
  void bothOrdersMatchANaiveImplementation() {
    SplittableRandom r = new SplittableRandom(9);
    for (double eps : new double[] {0.05, 0.003}) {
      for (int iters : new int[] {1, 3, 50}) {
        double[][] cost = skewedCosts(40, 6, r.nextLong());
        // items first: rows (the per-point sums, the reference's dim=1 step) then columns; the
        // row stabilisation is absorbed by the first row step, so it equals the plain kernel's plan
        double[][] items = Sinkhorn.plan(cost, eps, iters, Sinkhorn.Order.ITEMS_FIRST);
        double[][] naiveItems = naivePlan(cost, eps, iters, true, false);
        String what = "items-first eps " + eps + " iterations " + iters;
        assertPlansEqual(naiveItems, items, what);
        assertArrayEquals(argmaxRows(naiveItems), Sinkhorn.assign(cost, eps, iters, Sinkhorn.Order.ITEMS_FIRST), what);
        // codes first: columns then rows, on the row-stabilised kernel
        double[][] codes = Sinkhorn.plan(cost, eps, iters, Sinkhorn.Order.CODES_FIRST);
        double[][] naiveCodes = naivePlan(cost, eps, iters, false, true);
        what = "codes-first eps " + eps + " iterations " + iters;
        assertPlansEqual(naiveCodes, codes, what);
        assertArrayEquals(argmaxRows(naiveCodes), Sinkhorn.assign(cost, eps, iters), what);
        assertArrayEquals(codes[0], Sinkhorn.plan(cost, eps, iters)[0], "the default order is codes first");
        // the order decides which marginal is exact after the last round
        for (int i = 0; i < 40; i++) {
          assertEquals(1.0 / 40, java.util.Arrays.stream(codes[i]).sum(), 1e-12, what + " row " + i);
        }
        for (int j = 0; j < 6; j++) {
          int col = j;
          assertEquals(1.0 / 6, java.util.Arrays.stream(items).mapToDouble(row -> row[col]).sum(), 1e-12,
              "items-first column " + j);
        }
      }
    }
    // after one round the two orders give different plans (half a round apart)
    double[][] cost = skewedCosts(40, 6, 4);
    double[][] a = Sinkhorn.plan(cost, 0.05, 1, Sinkhorn.Order.ITEMS_FIRST);
    double[][] b = Sinkhorn.plan(cost, 0.05, 1, Sinkhorn.Order.CODES_FIRST);
    double diff = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
      }
    }
    assertTrue(diff > 1e-4, "orders gave the same plan: " + diff);
  }

  @Test
  void planHasNearUniformMarginals() {
    int b = 64;
    int k = 8;
    double[][] q = Sinkhorn.plan(skewedCosts(b, k, 1), 0.05, 200);
    for (int i = 0; i < b; i++) {
      double s = 0;
      for (int j = 0; j < k; j++) {
        s += q[i][j];
        assertTrue(q[i][j] >= 0);
      }
      assertEquals(1.0 / b, s, 1e-12, "row " + i);
    }
    for (int j = 0; j < k; j++) {
      double s = 0;
      for (int i = 0; i < b; i++) {
        s += q[i][j];
      }
      assertEquals(1.0 / k, s, 1e-3 / k, "column " + j);
    }
  }

  @Test
  void assignmentIsBalancedWhereNearestIsNot() {
    int b = 256;
    int k = 8;
    int[] a = Sinkhorn.assign(skewedCosts(b, k, 2), 0.003, 50);
    int[] count = new int[k];
    for (int c : a) {
      count[c]++;
    }
    for (int j = 0; j < k; j++) {
      assertTrue(count[j] >= b / k / 2 && count[j] <= 2 * b / k,
          "code " + j + " got " + count[j] + " of " + b + " points");
    }
  }

  @Test
  void tinyEpsilonStaysFinite() {
    double[][] q = Sinkhorn.plan(skewedCosts(32, 4, 3), 1e-5, 50);
    for (double[] row : q) {
      for (double v : row) {
        assertTrue(Double.isFinite(v) && v >= 0);
      }
    }
  }

  @Test
  void rejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> Sinkhorn.plan(new double[][] {{1, 2}}, 0, 5));
    assertThrows(IllegalArgumentException.class, () -> Sinkhorn.plan(new double[][] {{1, 2}}, 0.1, 0));
    assertThrows(IllegalArgumentException.class, () -> Sinkhorn.plan(new double[][] {{1, Double.NaN}}, 0.1, 5));
    assertThrows(IllegalArgumentException.class, () -> Sinkhorn.plan(new double[][] {{1, 2}, {1}}, 0.1, 5));
    assertThrows(IllegalArgumentException.class, () -> Sinkhorn.plan(new double[0][], 0.1, 5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Sinkhorn.plan(new double[][] {{1, 2}}, 0.1, 5, null));
    assertTrue(e.getMessage().contains("CODES_FIRST, ITEMS_FIRST"), e.getMessage());
  }
}

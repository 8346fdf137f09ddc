package io.github.mmesid.quant.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sinkhorn-Knopp plans: marginals, balance of the assignment, numerical safety, bad input. */
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
  }
}

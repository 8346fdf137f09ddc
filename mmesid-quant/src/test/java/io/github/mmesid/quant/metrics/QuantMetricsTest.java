package io.github.mmesid.quant.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Kendall's tau-b against the quadratic definition, usage, perplexity, NMI. */
class QuantMetricsTest {

  /** tau-b straight from the definition, O(n^2). */
  static double tauBrute(double[] a, double[] b) {
    long conc = 0;
    long disc = 0;
    long tieA = 0;
    long tieB = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = i + 1; j < a.length; j++) {
        double da = Math.signum(a[i] - a[j]);
        double db = Math.signum(b[i] - b[j]);
        if (da == 0 && db == 0) {
          continue;
        } else if (da == 0) {
          tieA++;
        } else if (db == 0) {
          tieB++;
        } else if (da == db) {
          conc++;
        } else {
          disc++;
        }
      }
    }
    return (conc - disc) / Math.sqrt((double) (conc + disc + tieA) * (conc + disc + tieB));
  }

  @Test
  void kendallTauMatchesDefinitionWithAndWithoutTies() {
    SplittableRandom r = new SplittableRandom(8);
    for (int trial = 0; trial < 20; trial++) {
      int n = 2 + r.nextInt(300);
      double[] a = new double[n];
      double[] b = new double[n];
      boolean ties = trial % 2 == 0;
      for (int i = 0; i < n; i++) {
        a[i] = ties ? r.nextInt(6) : r.nextGaussian();
        b[i] = ties ? r.nextInt(4) + 0.3 * a[i] : a[i] + r.nextGaussian();
      }
      if (trial == 0) {
        b[0] = 99; // make sure b is not constant
      }
      double brute = tauBrute(a, b);
      if (Double.isNaN(brute)) {
        continue;
      }
      assertEquals(brute, QuantMetrics.kendallTau(a, b), 1e-12, "trial " + trial);
    }
    assertEquals(1.0, QuantMetrics.kendallTau(new double[] {1, 2, 3}, new double[] {10, 20, 30}), 1e-15);
    assertEquals(-1.0, QuantMetrics.kendallTau(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-15);
    assertEquals(0.0, QuantMetrics.kendallTau(new double[] {1, 1, 1}, new double[] {3, 2, 1}));
    assertThrows(IllegalArgumentException.class, () -> QuantMetrics.kendallTau(new double[] {1}, new double[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> QuantMetrics.kendallTau(new double[] {1, Double.NaN}, new double[] {1, 2}));
  }

  @Test
  void distanceTauIsOneForScaledCopiesAndLowForNoise() {
    SplittableRandom r = new SplittableRandom(2);
    float[][] x = new float[200][3];
    float[][] scaled = new float[200][3];
    float[][] noise = new float[200][5];
    for (int i = 0; i < 200; i++) {
      for (int j = 0; j < 3; j++) {
        x[i][j] = (float) r.nextGaussian();
        scaled[i][j] = 2 * x[i][j] + 1;
      }
      for (int j = 0; j < 5; j++) {
        noise[i][j] = (float) r.nextGaussian();
      }
    }
    assertEquals(1.0, QuantMetrics.distanceTau(x, scaled, 5000, 1), 1e-6);
    assertTrue(Math.abs(QuantMetrics.distanceTau(x, noise, 5000, 1)) < 0.1);
    assertEquals(QuantMetrics.distanceTau(x, noise, 5000, 1), QuantMetrics.distanceTau(x, noise, 5000, 1));
  }

  @Test
  void usagePerplexityAndNmi() {
    int[][] codes = {{0, 1}, {1, 1}, {2, 1}, {3, 1}};
    assertEquals(0.5, QuantMetrics.usage(codes, 0, 8));
    assertEquals(1.0 / 8, QuantMetrics.usage(codes, 1, 8));
    assertEquals(4.0, QuantMetrics.perplexity(codes, 0), 1e-12);
    assertEquals(1.0, QuantMetrics.perplexity(codes, 1), 1e-12);
    assertEquals(1.0, QuantMetrics.nmi(new int[] {0, 0, 1, 1}, new int[] {5, 5, 7, 7}), 1e-12);
    assertEquals(0.0, QuantMetrics.nmi(new int[] {0, 1, 0, 1}, new int[] {5, 5, 7, 7}), 1e-12);
    assertEquals(0.0, QuantMetrics.nmi(new int[] {0, 0, 0, 0}, new int[] {5, 5, 7, 7}));
  }
}

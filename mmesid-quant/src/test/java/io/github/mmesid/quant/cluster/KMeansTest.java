package io.github.mmesid.quant.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * k-means recovers separable clusters; balanced and size-constrained variants (bounds, inertia
 * against random assignment, optimal assignment step against exhaustive search); restarts;
 * determinism; bad input.
 */
class KMeansTest {

  private static final double[][] CENTRES = {{0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}, {10, 10, 10}};

  private static float[][] blobs(int perCluster, long seed, int[] labels) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[CENTRES.length * perCluster][3];
    for (int i = 0; i < x.length; i++) {
      int c = i % CENTRES.length;
      labels[i] = c;
      for (int j = 0; j < 3; j++) {
        x[i][j] = (float) (CENTRES[c][j] + 0.5 * r.nextGaussian());
      }
    }
    return x;
  }

  @Test
  void recoversSeparableClusters() {
    int[] labels = new int[100];
    float[][] x = blobs(20, 4, labels);
    KMeans.Result res = KMeans.train(x, KMeans.Options.of(5, 9));
    // every true cluster maps to exactly one found cluster, and vice versa
    int[] map = new int[5];
    java.util.Arrays.fill(map, -1);
    for (int i = 0; i < x.length; i++) {
      int found = res.assignments()[i];
      if (map[labels[i]] < 0) {
        map[labels[i]] = found;
      }
      assertEquals(map[labels[i]], found, "point " + i + " split from its cluster");
    }
    Set<Integer> distinct = new HashSet<>();
    for (int m : map) {
      distinct.add(m);
    }
    assertEquals(5, distinct.size());
    for (int c = 0; c < 5; c++) {
      float[] centroid = res.centroids()[map[c]];
      for (int j = 0; j < 3; j++) {
        assertEquals(CENTRES[c][j], centroid[j], 0.5);
      }
    }
    assertTrue(res.inertia() < 100 * 3 * 0.25 * 2);
    KMeans.Result again = KMeans.train(x, KMeans.Options.of(5, 9));
    assertArrayEquals(res.assignments(), again.assignments());
  }

  @Test
  void balancedVariantEqualisesSizes() {
    // 90 points in one tight blob and 10 in another: balanced 4-means spreads them evenly
    SplittableRandom r = new SplittableRandom(6);
    float[][] x = new float[100][2];
    for (int i = 0; i < 100; i++) {
      double cx = i < 90 ? 0 : 20;
      x[i][0] = (float) (cx + r.nextGaussian());
      x[i][1] = (float) r.nextGaussian();
    }
    KMeans.Result res = KMeans.train(x, KMeans.Options.of(4, 1).withBalanced(true));
    int[] count = new int[4];
    for (int a : res.assignments()) {
      count[a]++;
    }
    for (int c : count) {
      assertTrue(c >= 15 && c <= 35, "cluster sizes " + java.util.Arrays.toString(count));
    }
  }

  /** 90 points in one tight blob and 10 in another. */
  private static float[][] skewedBlobs(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] x = new float[100][2];
    for (int i = 0; i < 100; i++) {
      double cx = i < 90 ? 0 : 20;
      x[i][0] = (float) (cx + r.nextGaussian());
      x[i][1] = (float) r.nextGaussian();
    }
    return x;
  }

  /** Sum of squared distances of the points to the mean of their cluster. */
  private static double inertiaAroundMeans(float[][] x, int[] assign, int k) {
    int d = x[0].length;
    double[][] sum = new double[k][d];
    int[] count = new int[k];
    for (int i = 0; i < x.length; i++) {
      count[assign[i]]++;
      for (int j = 0; j < d; j++) {
        sum[assign[i]][j] += x[i][j];
      }
    }
    double total = 0;
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < d; j++) {
        double t = x[i][j] - sum[assign[i]][j] / count[assign[i]];
        total += t * t;
      }
    }
    return total;
  }

  /** Four separated blobs of 35, 25, 25 and 15 points. */
  private static float[][] unevenBlobs(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] sizes = {35, 25, 25, 15};
    float[][] x = new float[100][2];
    int i = 0;
    for (int b = 0; b < 4; b++) {
      for (int t = 0; t < sizes[b]; t++, i++) {
        x[i][0] = (float) (10 * (b % 2) + r.nextGaussian());
        x[i][1] = (float) (10 * (b / 2) + r.nextGaussian());
      }
    }
    return x;
  }

  @Test
  void sizeConstrainedRespectsBoundsAndBeatsRandomAssignment() {
    float[][] x = unevenBlobs(6);
    int k = 4;
    KMeans.Options o = KMeans.Options.of(k, 3).withSizeBounds(20, 30);
    KMeans.Result res = KMeans.train(x, o);
    int[] count = new int[k];
    for (int a : res.assignments()) {
      count[a]++;
    }
    for (int c : count) {
      assertTrue(c >= 20 && c <= 30, "cluster sizes " + java.util.Arrays.toString(count));
    }
    // the reported inertia is the points' distance to the returned centroids under the assignment
    double check = 0;
    for (int i = 0; i < x.length; i++) {
      float[] c = res.centroids()[res.assignments()[i]];
      for (int j = 0; j < 2; j++) {
        check += (x[i][j] - c[j]) * (double) (x[i][j] - c[j]);
      }
    }
    assertEquals(check, res.inertia(), 1e-3 * check);
    // random assignments with the same sizes (25 each) are far worse, even around their own means
    SplittableRandom r = new SplittableRandom(11);
    for (int trial = 0; trial < 20; trial++) {
      int[] perm = new int[x.length];
      for (int i = 0; i < perm.length; i++) {
        perm[i] = i;
      }
      for (int i = perm.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      int[] random = new int[x.length];
      for (int i = 0; i < x.length; i++) {
        random[perm[i]] = i % k;
      }
      double ri = inertiaAroundMeans(x, random, k);
      assertTrue(res.inertia() < 0.3 * ri, "constrained " + res.inertia() + " vs random " + ri);
    }
    // the bounds cost something against unconstrained k-means, which keeps the blobs' sizes
    KMeans.Result free = KMeans.train(x, KMeans.Options.of(k, 3));
    assertTrue(free.inertia() <= res.inertia() + 1e-6, free.inertia() + " vs " + res.inertia());
    // loose bounds change nothing
    KMeans.Result loose = KMeans.train(x, KMeans.Options.of(k, 3).withSizeBounds(0, 100));
    assertArrayEquals(free.assignments(), loose.assignments());
    assertArrayEquals(res.assignments(), KMeans.train(x, o).assignments(), "deterministic");
  }

  @Test
  void constrainedAssignmentIsOptimalAgainstExhaustiveSearch() {
    SplittableRandom r = new SplittableRandom(21);
    int n = 8;
    int k = 3;
    int[][] bounds = {{2, 3}, {1, 4}, {0, 3}, {2, 0}};
    for (int trial = 0; trial < 40; trial++) {
      double[][] cost = new double[n][k];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++) {
          // clustered costs: most points prefer cluster 0, as skewed data would
          cost[i][j] = r.nextDouble() * (j == 0 ? 0.3 : 1.0) + (trial % 2 == 0 ? 0 : j * 0.2);
        }
      }
      int lo = bounds[trial % bounds.length][0];
      int hi = bounds[trial % bounds.length][1];
      int hiEff = hi == 0 ? n : hi;
      double best = Double.POSITIVE_INFINITY;
      int[] a = new int[n];
      for (int code = 0; code < Math.pow(k, n); code++) {
        int c = code;
        int[] count = new int[k];
        double total = 0;
        for (int i = 0; i < n; i++) {
          a[i] = c % k;
          c /= k;
          count[a[i]]++;
          total += cost[i][a[i]];
        }
        boolean ok = true;
        for (int q = 0; q < k; q++) {
          ok &= count[q] >= lo && count[q] <= hiEff;
        }
        if (ok) {
          best = Math.min(best, total);
        }
      }
      int[] warm = new int[n]; // all in cluster 0: infeasible, so the greedy start is used
      int[] got = KMeans.constrainedAssignment(cost, lo, hi, trial % 4 == 3 ? warm : null);
      int[] count = new int[k];
      double total = 0;
      for (int i = 0; i < n; i++) {
        count[got[i]]++;
        total += cost[i][got[i]];
      }
      for (int q = 0; q < k; q++) {
        assertTrue(count[q] >= lo && count[q] <= hiEff, "trial " + trial + " sizes " + java.util.Arrays.toString(count));
      }
      assertEquals(best, total, 1e-12, "trial " + trial + " bounds [" + lo + ", " + hi + "]");
    }
  }

  @Test
  void constrainedAssignmentFromAFeasibleWarmStartReachesTheOptimum() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 9;
    int k = 3;
    double[][] cost = new double[n][k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        cost[i][j] = r.nextDouble();
      }
    }
    int[] warm = {0, 1, 2, 0, 1, 2, 0, 1, 2}; // feasible for [3, 3], usually far from optimal
    int[] fromWarm = KMeans.constrainedAssignment(cost, 3, 3, warm);
    int[] fromGreedy = KMeans.constrainedAssignment(cost, 3, 3, null);
    double a = 0;
    double b = 0;
    for (int i = 0; i < n; i++) {
      a += cost[i][fromWarm[i]];
      b += cost[i][fromGreedy[i]];
    }
    assertEquals(b, a, 1e-12);
  }

  @Test
  void restartsKeepTheBestRun() {
    int[] labels = new int[100];
    float[][] x = blobs(20, 8, labels);
    KMeans.Result one = KMeans.train(x, KMeans.Options.of(7, 2));
    KMeans.Result ten = KMeans.train(x, KMeans.Options.of(7, 2).withRestarts(10));
    assertTrue(ten.inertia() <= one.inertia(), ten.inertia() + " vs " + one.inertia());
    assertArrayEquals(ten.assignments(), KMeans.train(x, KMeans.Options.of(7, 2).withRestarts(10)).assignments());
  }

  @Test
  void duplicatePointsStillGiveKCentroids() {
    float[][] x = new float[10][2];
    for (int i = 0; i < 10; i++) {
      x[i][0] = i < 8 ? 1 : 2;
    }
    KMeans.Result res = KMeans.train(x, KMeans.Options.of(4, 2));
    assertEquals(4, res.centroids().length);
    assertEquals(0, res.inertia(), 1e-9);
  }

  @Test
  void rejectsBadInput() {
    float[][] x = {{1, 2}, {3, 4}};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(x, KMeans.Options.of(3, 1)));
    assertTrue(e.getMessage().contains("at least 3 points"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(new float[][] {{1, 2}, {Float.NaN, 4}}, KMeans.Options.of(1, 1)));
    assertTrue(e.getMessage().contains("point 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KMeans.Options.of(0, 1));
    e = assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(skewedBlobs(1), KMeans.Options.of(4, 1).withSizeBounds(30, 40)));
    assertTrue(e.getMessage().contains("cannot hold for 100 points in 4 clusters"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> KMeans.train(skewedBlobs(1), KMeans.Options.of(4, 1).withSizeBounds(0, 20)));
    assertTrue(e.getMessage().contains("k * minSize <= n <= k * maxSize"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KMeans.Options.of(4, 1).withSizeBounds(5, 3));
    assertTrue(e.getMessage().contains("[5, 3]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> KMeans.Options.of(4, 1).withBalanced(true).withSizeBounds(1, 3));
    assertTrue(e.getMessage().contains("choose one"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> KMeans.Options.of(4, 1).withRestarts(0));
  }
}

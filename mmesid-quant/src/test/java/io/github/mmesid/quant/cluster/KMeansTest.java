package io.github.mmesid.quant.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** k-means recovers separable clusters; balanced variant; determinism; bad input. */
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
  }
}

package io.github.mmesid.quant.cluster;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's k-means with k-means++ seeding, in double precision, deterministic for a seed.
 *
 * <p>The size-balanced variant replaces the nearest-centroid assignment step by a Sinkhorn-Knopp
 * plan with uniform marginals ({@link Sinkhorn}), which pushes clusters towards equal sizes (the
 * reference initialises codebooks with size-constrained k-means for the same purpose). Clusters
 * that become empty are re-seeded with the point farthest from its centroid.
 */
public final class KMeans {

  /**
   * Settings.
   *
   * @param k number of clusters, {@code >= 1}
   * @param maxIterations Lloyd iterations at most, {@code >= 1}
   * @param balanced use Sinkhorn (balanced) assignments instead of nearest centroids
   * @param sinkhornEpsilon regularisation of the balanced assignment, {@code > 0}
   * @param sinkhornIterations normalisation rounds of the balanced assignment, {@code >= 1}
   * @param seed the random seed
   */
  public record Options(int k, int maxIterations, boolean balanced, double sinkhornEpsilon,
      int sinkhornIterations, long seed) {
    /**
     * Validates the settings.
     *
     * @param k see the record description
     * @param maxIterations see the record description
     * @param balanced see the record description
     * @param sinkhornEpsilon see the record description
     * @param sinkhornIterations see the record description
     * @param seed see the record description
     */
    public Options {
      if (k < 1) {
        throw new IllegalArgumentException("k-means k = " + k + "; allowed: >= 1");
      }
      if (maxIterations < 1) {
        throw new IllegalArgumentException("k-means maxIterations = " + maxIterations + "; allowed: >= 1");
      }
      if (balanced && (!(sinkhornEpsilon > 0) || sinkhornIterations < 1)) {
        throw new IllegalArgumentException("balanced k-means needs sinkhornEpsilon > 0 and sinkhornIterations >= 1; got "
            + sinkhornEpsilon + " and " + sinkhornIterations);
      }
    }

    /**
     * Plain k-means: 50 iterations at most, nearest-centroid assignment (balanced assignment, when
     * switched on, uses epsilon 0.01 and 100 rounds).
     *
     * @param k number of clusters
     * @param seed the random seed
     * @return the options
     */
    public static Options of(int k, long seed) {
      return new Options(k, 50, false, 0.01, 100, seed);
    }

    /**
     * Returns these options with balanced (Sinkhorn) assignments switched on or off.
     *
     * @param on whether to balance
     * @return the new options
     */
    public Options withBalanced(boolean on) {
      return new Options(k, maxIterations, on, sinkhornEpsilon, sinkhornIterations, seed);
    }
  }

  /**
   * The clustering.
   *
   * @param centroids {@code [k][d]}
   * @param assignments the cluster of each point
   * @param inertia the sum of squared distances of the points to their assigned centroids
   * @param iterations Lloyd iterations run
   */
  public record Result(float[][] centroids, int[] assignments, double inertia, int iterations) {}

  private KMeans() {}

  /**
   * Clusters points.
   *
   * @param points {@code [n][d]}, n {@code >= k}, all finite
   * @param options the settings
   * @return the clustering
   * @throws IllegalArgumentException if there are fewer points than clusters, rows are ragged or a
   *     value is not finite (naming the row)
   */
  public static Result train(float[][] points, Options options) {
    int k = options.k();
    if (points == null || points.length < k) {
      throw new IllegalArgumentException("k-means with k = " + k + " needs at least " + k
          + " points; got " + (points == null ? 0 : points.length));
    }
    int n = points.length;
    int d = points[0].length;
    if (d < 1) {
      throw new IllegalArgumentException("k-means point 0 is empty; points need d >= 1 values");
    }
    double[][] x = new double[n][];
    double[] xx = new double[n];
    for (int i = 0; i < n; i++) {
      if (points[i] == null || points[i].length != d) {
        throw new IllegalArgumentException("k-means point " + i + " has "
            + (points[i] == null ? 0 : points[i].length) + " values; all points must have d = " + d);
      }
      x[i] = new double[d];
      for (int j = 0; j < d; j++) {
        float v = points[i][j];
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("k-means point " + i + ", column " + j + " = " + v + "; values must be finite");
        }
        x[i][j] = v;
        xx[i] += (double) v * v;
      }
    }
    SplittableRandom rng = new SplittableRandom(options.seed());
    double[][] c = seedPlusPlus(x, xx, k, rng);
    int[] assign = new int[n];
    Arrays.fill(assign, -1);
    double[][] dist = new double[n][k];
    int it = 0;
    while (it < options.maxIterations()) {
      it++;
      distances(x, xx, c, dist);
      int[] next;
      if (options.balanced()) {
        next = Sinkhorn.assign(dist, options.sinkhornEpsilon(), options.sinkhornIterations());
      } else {
        next = nearest(dist);
      }
      boolean changed = !Arrays.equals(next, assign);
      assign = next;
      double[][] sum = new double[k][d];
      int[] count = new int[k];
      for (int i = 0; i < n; i++) {
        count[assign[i]]++;
        double[] s = sum[assign[i]];
        for (int j = 0; j < d; j++) {
          s[j] += x[i][j];
        }
      }
      boolean[] taken = new boolean[n];
      for (int q = 0; q < k; q++) {
        if (count[q] > 0) {
          for (int j = 0; j < d; j++) {
            c[q][j] = sum[q][j] / count[q];
          }
        } else {
          // re-seed an empty cluster with the point farthest from its centroid
          int far = -1;
          double best = -1;
          for (int i = 0; i < n; i++) {
            if (!taken[i] && dist[i][assign[i]] > best) {
              best = dist[i][assign[i]];
              far = i;
            }
          }
          taken[far] = true;
          c[q] = x[far].clone();
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
    }
    distances(x, xx, c, dist);
    int[] finalAssign = options.balanced() ? assign : nearest(dist);
    double inertia = 0;
    for (int i = 0; i < n; i++) {
      inertia += dist[i][finalAssign[i]];
    }
    float[][] out = new float[k][d];
    for (int q = 0; q < k; q++) {
      for (int j = 0; j < d; j++) {
        out[q][j] = (float) c[q][j];
      }
    }
    return new Result(out, finalAssign, inertia, it);
  }

  private static double[][] seedPlusPlus(double[][] x, double[] xx, int k, SplittableRandom rng) {
    int n = x.length;
    double[][] c = new double[k][];
    boolean[] used = new boolean[n];
    int first = rng.nextInt(n);
    c[0] = x[first].clone();
    used[first] = true;
    double[] best = new double[n];
    for (int i = 0; i < n; i++) {
      best[i] = sq(x[i], c[0]);
    }
    for (int q = 1; q < k; q++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        if (!used[i]) {
          total += best[i];
        }
      }
      int pick = -1;
      if (total > 0) {
        double u = rng.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
          if (!used[i]) {
            acc += best[i];
            if (acc >= u && best[i] > 0) {
              pick = i;
              break;
            }
          }
        }
      }
      if (pick < 0) {
        // all remaining points coincide with a centre: take a random unused one
        int skip = rng.nextInt(n - q);
        for (int i = 0; i < n; i++) {
          if (!used[i] && skip-- == 0) {
            pick = i;
            break;
          }
        }
      }
      used[pick] = true;
      c[q] = x[pick].clone();
      for (int i = 0; i < n; i++) {
        best[i] = Math.min(best[i], sq(x[i], c[q]));
      }
    }
    return c;
  }

  private static double sq(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      double t = a[j] - b[j];
      s += t * t;
    }
    return s;
  }

  private static void distances(double[][] x, double[] xx, double[][] c, double[][] out) {
    int k = c.length;
    double[] cc = new double[k];
    for (int q = 0; q < k; q++) {
      for (double v : c[q]) {
        cc[q] += v * v;
      }
    }
    for (int i = 0; i < x.length; i++) {
      double[] xi = x[i];
      for (int q = 0; q < k; q++) {
        double[] cq = c[q];
        double dot = 0;
        for (int j = 0; j < xi.length; j++) {
          dot += xi[j] * cq[j];
        }
        out[i][q] = Math.max(0, xx[i] + cc[q] - 2 * dot);
      }
    }
  }

  private static int[] nearest(double[][] dist) {
    int[] out = new int[dist.length];
    for (int i = 0; i < dist.length; i++) {
      int best = 0;
      for (int q = 1; q < dist[i].length; q++) {
        if (dist[i][q] < dist[i][best]) {
          best = q;
        }
      }
      out[i] = best;
    }
    return out;
  }
}

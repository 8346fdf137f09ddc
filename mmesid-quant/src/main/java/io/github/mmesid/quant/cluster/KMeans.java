package io.github.mmesid.quant.cluster;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's k-means with k-means++ seeding, in double precision, deterministic for a seed.
 *
 * <p>Three assignment steps are available. Plain k-means gives every point its nearest centroid.
 * The size-balanced variant replaces that by a Sinkhorn-Knopp plan with uniform marginals
 * ({@link Sinkhorn}), which pushes clusters towards equal sizes. The size-constrained variant
 * (options {@code minSize} / {@code maxSize}) gives the assignment of least total squared
 * distance in which every cluster holds between {@code minSize} and {@code maxSize} points, the
 * min-cost-flow assignment of constrained k-means (Bradley, Bennett and Demiriz, 2000; the
 * MME-SID reference initialises its codebooks with it through the {@code k-means-constrained}
 * package). It is computed exactly by cycle cancelling on the K-node graph of point moves
 * between clusters (see {@link #constrainedAssignment}). Clusters that become empty (possible
 * only without a lower bound) are re-seeded with the point farthest from its centroid. With
 * {@code restarts > 1} the whole run repeats from other k-means++ seeds and the clustering of
 * least inertia is kept.
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
   * @param minSize the fewest points a cluster may hold, {@code >= 0} (0: no lower bound)
   * @param maxSize the most points a cluster may hold, {@code >= minSize}, or 0 for no upper bound
   * @param restarts independent runs from different seeds, the best (least inertia) kept, {@code
   *     >= 1}
   */
  public record Options(int k, int maxIterations, boolean balanced, double sinkhornEpsilon,
      int sinkhornIterations, long seed, int minSize, int maxSize, int restarts) {
    /**
     * Validates the settings.
     *
     * @param k see the record description
     * @param maxIterations see the record description
     * @param balanced see the record description
     * @param sinkhornEpsilon see the record description
     * @param sinkhornIterations see the record description
     * @param seed see the record description
     * @param minSize see the record description
     * @param maxSize see the record description
     * @param restarts see the record description
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
      if (minSize < 0 || maxSize < 0 || (maxSize > 0 && maxSize < minSize)) {
        throw new IllegalArgumentException("k-means cluster size bounds [" + minSize + ", " + maxSize
            + "] are invalid; allowed: 0 <= minSize <= maxSize, or maxSize = 0 for no upper bound");
      }
      if (balanced && (minSize > 0 || maxSize > 0)) {
        throw new IllegalArgumentException("k-means cannot be both balanced (Sinkhorn assignment) and size-constrained "
            + "(minSize " + minSize + ", maxSize " + maxSize + "); choose one");
      }
      if (restarts < 1) {
        throw new IllegalArgumentException("k-means restarts = " + restarts + "; allowed: >= 1");
      }
    }

    /**
     * Settings without size bounds and with a single run.
     *
     * @param k number of clusters, {@code >= 1}
     * @param maxIterations Lloyd iterations at most, {@code >= 1}
     * @param balanced use Sinkhorn (balanced) assignments instead of nearest centroids
     * @param sinkhornEpsilon regularisation of the balanced assignment, {@code > 0}
     * @param sinkhornIterations normalisation rounds of the balanced assignment, {@code >= 1}
     * @param seed the random seed
     */
    public Options(int k, int maxIterations, boolean balanced, double sinkhornEpsilon,
        int sinkhornIterations, long seed) {
      this(k, maxIterations, balanced, sinkhornEpsilon, sinkhornIterations, seed, 0, 0, 1);
    }

    /**
     * Plain k-means: 50 iterations at most, nearest-centroid assignment (balanced assignment, when
     * switched on, uses epsilon 0.01 and 100 rounds), no size bounds, one run.
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
      return new Options(k, maxIterations, on, sinkhornEpsilon, sinkhornIterations, seed, minSize,
          maxSize, restarts);
    }

    /**
     * Returns these options with cluster size bounds.
     *
     * @param min the fewest points per cluster, {@code >= 0}
     * @param max the most points per cluster, {@code >= min}, or 0 for no upper bound
     * @return the new options
     */
    public Options withSizeBounds(int min, int max) {
      return new Options(k, maxIterations, balanced, sinkhornEpsilon, sinkhornIterations, seed, min,
          max, restarts);
    }

    /**
     * Returns these options with another number of restarts.
     *
     * @param n runs from different seeds, {@code >= 1}
     * @return the new options
     */
    public Options withRestarts(int n) {
      return new Options(k, maxIterations, balanced, sinkhornEpsilon, sinkhornIterations, seed,
          minSize, maxSize, n);
    }

    /**
     * Returns these options with another iteration limit.
     *
     * @param n Lloyd iterations at most, {@code >= 1}
     * @return the new options
     */
    public Options withMaxIterations(int n) {
      return new Options(k, n, balanced, sinkhornEpsilon, sinkhornIterations, seed, minSize, maxSize,
          restarts);
    }

    boolean sizeConstrained() {
      return minSize > 0 || maxSize > 0;
    }
  }

  /**
   * The clustering.
   *
   * @param centroids {@code [k][d]}
   * @param assignments the cluster of each point
   * @param inertia the sum of squared distances of the points to their assigned centroids
   * @param iterations Lloyd iterations run (in the kept restart)
   */
  public record Result(float[][] centroids, int[] assignments, double inertia, int iterations) {}

  private KMeans() {}

  /**
   * Clusters points.
   *
   * @param points {@code [n][d]}, n {@code >= k}, all finite
   * @param options the settings
   * @return the clustering (with size bounds, every cluster's size lies within them)
   * @throws IllegalArgumentException if there are fewer points than clusters, the size bounds
   *     cannot hold for n points ({@code k * minSize > n} or {@code k * maxSize < n}), rows are
   *     ragged or a value is not finite (naming the row)
   */
  public static Result train(float[][] points, Options options) {
    int k = options.k();
    if (points == null || points.length < k) {
      throw new IllegalArgumentException("k-means with k = " + k + " needs at least " + k
          + " points; got " + (points == null ? 0 : points.length));
    }
    int n = points.length;
    requireFeasible(n, k, options.minSize(), options.maxSize());
    int d = points[0] == null ? 0 : points[0].length;
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
    Result best = null;
    SplittableRandom seeds = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
    for (int r = 0; r < options.restarts(); r++) {
      long seed = r == 0 ? options.seed() : seeds.nextLong();
      Result res = run(x, xx, options, new SplittableRandom(seed));
      if (best == null || res.inertia() < best.inertia()) {
        best = res;
      }
    }
    return best;
  }

  private static Result run(double[][] x, double[] xx, Options options, SplittableRandom rng) {
    int n = x.length;
    int d = x[0].length;
    int k = options.k();
    double[][] c = seedPlusPlus(x, k, rng);
    int[] assign = new int[n];
    Arrays.fill(assign, -1);
    double[][] dist = new double[n][k];
    int it = 0;
    boolean converged = false;
    while (it < options.maxIterations()) {
      it++;
      distances(x, xx, c, dist);
      int[] next;
      if (options.balanced()) {
        next = Sinkhorn.assign(dist, options.sinkhornEpsilon(), options.sinkhornIterations());
      } else if (options.sizeConstrained()) {
        next = constrainedAssignment(dist, options.minSize(), options.maxSize(), it == 1 ? null : assign);
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
        converged = true;
        break;
      }
    }
    if (!converged) {
      // the last centroid update moved the centroids; on convergence it reproduced them exactly
      // (same assignment, same sums), so dist is already current
      distances(x, xx, c, dist);
    }
    int[] finalAssign;
    if (options.balanced()) {
      finalAssign = assign;
    } else if (options.sizeConstrained()) {
      finalAssign = constrainedAssignment(dist, options.minSize(), options.maxSize(), assign);
    } else {
      finalAssign = nearest(dist);
    }
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

  /**
   * The assignment of least total cost in which every cluster gets between {@code minSize} and
   * {@code maxSize} points (an integral transportation problem).
   *
   * <p>Method: start from a feasible assignment (the warm start if it is one, else each point to
   * its nearest cluster with room, then clusters below {@code minSize} filled with the cheapest
   * moves), then cancel negative cycles until none is left. The residual graph has one node per
   * cluster and one extra node V: edge {@code a -> b} costs the cheapest move of a point of
   * {@code a} to {@code b}, {@code min_{i in a} (cost[i][b] - cost[i][a])}; {@code V -> a} (cost
   * 0) exists when {@code a} may lose a point, {@code b -> V} when {@code b} may gain one. A
   * negative cycle is a chain of moves that lowers the total cost and keeps every size within
   * its bounds (each cluster on a simple cycle gives one point, so the moves are of distinct
   * points); an assignment without one is optimal. Single moves and swaps are cancelled first
   * (cheap), longer cycles are found by Bellman-Ford. Cycles must gain more than a relative
   * tolerance of {@code 1e-12} of the total cost, so the loop ends.
   *
   * @param cost {@code [n][k]} costs
   * @param minSize the fewest points per cluster
   * @param maxSize the most points per cluster, or 0 for no bound
   * @param warm a previous assignment to start from, or null
   * @return the cluster of each point
   * @throws IllegalArgumentException if the bounds cannot hold for n points
   */
  static int[] constrainedAssignment(double[][] cost, int minSize, int maxSize, int[] warm) {
    requireFeasible(cost.length, cost[0].length, minSize, maxSize);
    return new Constrained(cost, minSize, maxSize == 0 ? cost.length : maxSize).solve(warm);
  }

  /** Checks that n points fit k clusters of {@code minSize..maxSize} points (maxSize 0: no bound). */
  private static void requireFeasible(int n, int k, int minSize, int maxSize) {
    if ((long) k * minSize > n || (maxSize > 0 && (long) k * maxSize < n)) {
      throw new IllegalArgumentException("k-means size bounds [" + minSize + ", "
          + (maxSize == 0 ? "none" : maxSize) + "] cannot hold for " + n + " points in " + k
          + " clusters; allowed: k * minSize <= n <= k * maxSize");
    }
  }

  /** Cycle cancelling for the size-constrained assignment. */
  private static final class Constrained {
    private final double[][] cost;
    private final int n;
    private final int k;
    private final int lo;
    private final int hi;
    private final int[] assign;
    private final int[] count;
    private int[][] members;
    private final double[][] w; // w[a][b]: cheapest move of a point from a to b
    private final int[][] arg; // the point of that move
    private double tol;

    Constrained(double[][] cost, int lo, int hi) {
      this.cost = cost;
      this.n = cost.length;
      this.k = cost[0].length;
      this.lo = lo;
      this.hi = hi;
      this.assign = new int[n];
      this.count = new int[k];
      this.w = new double[k][k];
      this.arg = new int[k][k];
    }

    int[] solve(int[] warm) {
      if (warm != null && feasible(warm)) {
        System.arraycopy(warm, 0, assign, 0, n);
        for (int a : assign) {
          count[a]++;
        }
      } else {
        greedy();
      }
      double total = 0;
      for (int i = 0; i < n; i++) {
        total += Math.abs(cost[i][assign[i]]);
      }
      tol = 1e-12 * Math.max(total, 1e-300);
      rebuildMembers();
      for (int a = 0; a < k; a++) {
        refreshRow(a);
      }
      while (true) {
        boolean improved = shortMoves();
        if (!improved && !longCycle()) {
          break;
        }
      }
      return assign.clone();
    }

    private boolean feasible(int[] a) {
      if (a.length != n) {
        return false;
      }
      int[] c = new int[k];
      for (int v : a) {
        if (v < 0 || v >= k) {
          return false;
        }
        c[v]++;
      }
      for (int v : c) {
        if (v < lo || v > hi) {
          return false;
        }
      }
      return true;
    }

    /** Nearest cluster with room (points by increasing nearest cost), then fill deficits. */
    private void greedy() {
      Integer[] order = new Integer[n];
      double[] best = new double[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
        best[i] = Double.POSITIVE_INFINITY;
        for (double v : cost[i]) {
          best[i] = Math.min(best[i], v);
        }
      }
      Arrays.sort(order, (p, q) -> Double.compare(best[p], best[q]));
      for (int i : order) {
        int b = -1;
        for (int j = 0; j < k; j++) {
          if (count[j] < hi && (b < 0 || cost[i][j] < cost[i][b])) {
            b = j;
          }
        }
        assign[i] = b;
        count[b]++;
      }
      for (int j = 0; j < k; j++) {
        while (count[j] < lo) {
          int pick = -1;
          double delta = Double.POSITIVE_INFINITY;
          for (int i = 0; i < n; i++) {
            int a = assign[i];
            if (a != j && count[a] > lo && cost[i][j] - cost[i][a] < delta) {
              delta = cost[i][j] - cost[i][a];
              pick = i;
            }
          }
          count[assign[pick]]--;
          assign[pick] = j;
          count[j]++;
        }
      }
    }

    private void rebuildMembers() {
      members = new int[k][];
      int[] fill = new int[k];
      for (int a = 0; a < k; a++) {
        members[a] = new int[Math.max(count[a], 4)];
      }
      for (int i = 0; i < n; i++) {
        int a = assign[i];
        members[a][fill[a]++] = i;
      }
    }

    private void refreshRow(int a) {
      double[] wa = w[a];
      int[] ga = arg[a];
      Arrays.fill(wa, Double.POSITIVE_INFINITY);
      Arrays.fill(ga, -1);
      int[] m = members[a];
      for (int t = 0; t < count[a]; t++) {
        int i = m[t];
        double[] ci = cost[i];
        double base = ci[a];
        for (int b = 0; b < k; b++) {
          double v = ci[b] - base;
          if (v < wa[b]) {
            wa[b] = v;
            ga[b] = i;
          }
        }
      }
      wa[a] = Double.POSITIVE_INFINITY;
      ga[a] = -1;
    }

    private void move(int i, int to) {
      int from = assign[i];
      int[] m = members[from];
      for (int t = 0; t < count[from]; t++) {
        if (m[t] == i) {
          m[t] = m[count[from] - 1];
          break;
        }
      }
      count[from]--;
      if (members[to].length == count[to]) {
        members[to] = Arrays.copyOf(members[to], 2 * count[to] + 4);
      }
      members[to][count[to]++] = i;
      assign[i] = to;
    }

    /** Cancels improving single moves and swaps; returns whether any was found. */
    private boolean shortMoves() {
      boolean any = false;
      boolean again = true;
      while (again) {
        again = false;
        for (int a = 0; a < k; a++) {
          for (int b = 0; b < k; b++) {
            if (a == b || arg[a][b] < 0) {
              continue;
            }
            if (w[a][b] < -tol && count[a] > lo && count[b] < hi) {
              move(arg[a][b], b);
              refreshRow(a);
              refreshRow(b);
              again = true;
              any = true;
            } else if (arg[b][a] >= 0 && w[a][b] + w[b][a] < -tol) {
              int i = arg[a][b];
              int j = arg[b][a];
              move(i, b);
              move(j, a);
              refreshRow(a);
              refreshRow(b);
              again = true;
              any = true;
            }
          }
        }
      }
      return any;
    }

    /**
     * Finds one negative cycle by Bellman-Ford (from all nodes at distance 0) and cancels it;
     * returns whether one was found. After every pass the predecessor graph is searched for a
     * cycle (any cycle there is negative), so a cycle is usually found after a few passes rather
     * than after K + 1.
     */
    private boolean longCycle() {
      int v = k; // the extra node
      int nodes = k + 1;
      double[] dist = new double[nodes];
      int[] pred = new int[nodes];
      Arrays.fill(pred, -1);
      int[] stamp = new int[nodes];
      for (int pass = 0; pass < nodes; pass++) {
        boolean relaxed = false;
        for (int a = 0; a < k; a++) {
          double da = dist[a];
          double[] wa = w[a];
          int[] ga = arg[a];
          for (int b = 0; b < k; b++) {
            if (ga[b] >= 0 && da + wa[b] < dist[b] - tol) {
              dist[b] = da + wa[b];
              pred[b] = a;
              relaxed = true;
            }
          }
          if (count[a] < hi && da < dist[v] - tol) { // a -> V
            dist[v] = da;
            pred[v] = a;
            relaxed = true;
          }
        }
        for (int a = 0; a < k; a++) { // V -> a
          if (count[a] > lo && dist[v] < dist[a] - tol) {
            dist[a] = dist[v];
            pred[a] = v;
            relaxed = true;
          }
        }
        if (!relaxed) {
          return false;
        }
        int[] cycle = predecessorCycle(pred, stamp, pass + 1);
        if (cycle != null && cancel(cycle)) {
          return true;
        }
      }
      return false;
    }

    /** A cycle of the predecessor graph (nodes in reverse order), or null. */
    private static int[] predecessorCycle(int[] pred, int[] stamp, int pass) {
      int nodes = pred.length;
      int base = pass * (nodes + 1); // stamps of this search are base + start + 1
      for (int s = 0; s < nodes; s++) {
        int x = s;
        int mark = base + s + 1;
        while (x >= 0 && stamp[x] < base) {
          stamp[x] = mark;
          x = pred[x];
        }
        if (x >= 0 && stamp[x] == mark) {
          int[] cycle = new int[nodes];
          int len = 0;
          int y = x;
          do {
            cycle[len++] = y;
            y = pred[y];
          } while (y != x);
          return Arrays.copyOf(cycle, len);
        }
      }
      return null;
    }

    /** Applies the moves of a cycle (pred order) if it gains; returns whether it did. */
    private boolean cancel(int[] cycle) {
      int v = k;
      int len = cycle.length;
      int[] pts = new int[len];
      int[] to = new int[len];
      int moves = 0;
      double gain = 0;
      for (int t = 0; t < len; t++) {
        int head = cycle[t];
        int tail = cycle[(t + 1) % len];
        if (head == v || tail == v) {
          continue;
        }
        pts[moves] = arg[tail][head];
        to[moves++] = head;
        gain += w[tail][head];
      }
      if (!(gain < -tol)) {
        return false;
      }
      for (int t = 0; t < moves; t++) {
        move(pts[t], to[t]);
      }
      for (int node : cycle) {
        if (node != v) {
          refreshRow(node);
        }
      }
      return true;
    }
  }

  private static double[][] seedPlusPlus(double[][] x, int k, SplittableRandom rng) {
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

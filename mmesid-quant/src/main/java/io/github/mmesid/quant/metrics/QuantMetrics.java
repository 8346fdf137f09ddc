package io.github.mmesid.quant.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Statistics of quantisations; all pure Java, deterministic for a seed. */
public final class QuantMetrics {

  private QuantMetrics() {}

  /**
   * Kendall's tau-b of two paired samples (ties handled as in tau-b), in {@code O(n log n)}
   * (Knight's algorithm: sort by the first sample, count the exchanges a merge sort by the second
   * needs).
   *
   * @param a the first sample
   * @param b the second sample, of the same length {@code >= 2}, all values finite
   * @return tau-b in [-1, 1]; 0 when either sample is constant
   * @throws IllegalArgumentException if the lengths differ, are below 2, or a value is not finite
   */
  public static double kendallTau(double[] a, double[] b) {
    if (a == null || b == null || a.length != b.length || a.length < 2) {
      throw new IllegalArgumentException("Kendall's tau needs two samples of the same length >= 2; got "
          + (a == null ? "null" : a.length) + " and " + (b == null ? "null" : b.length));
    }
    int n = a.length;
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(a[i]) || !Double.isFinite(b[i])) {
        throw new IllegalArgumentException("Kendall's tau: pair " + i + " = (" + a[i] + ", " + b[i]
            + "); values must be finite");
      }
    }
    Integer[] boxed = new Integer[n];
    for (int i = 0; i < n; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (x, y) -> {
      int c = Double.compare(a[x], a[y]);
      return c != 0 ? c : Double.compare(b[x], b[y]);
    });
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = boxed[i];
    }
    long n0 = (long) n * (n - 1) / 2;
    long n1 = 0;
    long n3 = 0;
    int i = 0;
    while (i < n) {
      int j = i + 1;
      while (j < n && a[idx[j]] == a[idx[i]]) {
        j++;
      }
      long t = j - i;
      n1 += t * (t - 1) / 2;
      int k = i;
      while (k < j) {
        int m = k + 1;
        while (m < j && b[idx[m]] == b[idx[k]]) {
          m++;
        }
        long u = m - k;
        n3 += u * (u - 1) / 2;
        k = m;
      }
      i = j;
    }
    double[] vals = new double[n];
    for (int q = 0; q < n; q++) {
      vals[q] = b[idx[q]];
    }
    long swaps = mergeCount(vals, new double[n], 0, n);
    long n2 = 0;
    i = 0;
    while (i < n) {
      int j = i + 1;
      while (j < n && vals[j] == vals[i]) {
        j++;
      }
      long t = j - i;
      n2 += t * (t - 1) / 2;
      i = j;
    }
    double denom = Math.sqrt((double) (n0 - n1) * (double) (n0 - n2));
    if (denom == 0) {
      return 0;
    }
    return (n0 - n1 - n2 + n3 - 2.0 * swaps) / denom;
  }

  /** Sorts v[from, to) ascending, returning the number of inversions (strictly greater before). */
  private static long mergeCount(double[] v, double[] tmp, int from, int to) {
    if (to - from < 2) {
      return 0;
    }
    int mid = (from + to) >>> 1;
    long s = mergeCount(v, tmp, from, mid) + mergeCount(v, tmp, mid, to);
    int i = from;
    int j = mid;
    int k = from;
    while (i < mid && j < to) {
      if (v[j] < v[i]) {
        s += mid - i;
        tmp[k++] = v[j++];
      } else {
        tmp[k++] = v[i++];
      }
    }
    while (i < mid) {
      tmp[k++] = v[i++];
    }
    while (j < to) {
      tmp[k++] = v[j++];
    }
    System.arraycopy(tmp, from, v, from, to - from);
    return s;
  }

  /**
   * Kendall's tau-b between the Euclidean distances of the same item pairs in two spaces, over
   * {@code pairs} pairs {@code (i, j), i != j} drawn uniformly with a fixed seed.
   *
   * @param first {@code [N][d1]}
   * @param second {@code [N][d2]}, the same N items
   * @param pairs how many pairs, {@code >= 2}
   * @param seed the sampling seed
   * @return tau-b
   * @throws IllegalArgumentException if N differs or is below 2, or pairs is below 2
   */
  public static double distanceTau(float[][] first, float[][] second, int pairs, long seed) {
    if (first.length != second.length || first.length < 2) {
      throw new IllegalArgumentException("distance tau needs the same N >= 2 items in both spaces; got "
          + first.length + " and " + second.length);
    }
    if (pairs < 2) {
      throw new IllegalArgumentException("distance tau needs pairs >= 2; got " + pairs);
    }
    SplittableRandom r = new SplittableRandom(seed);
    int n = first.length;
    double[] a = new double[pairs];
    double[] b = new double[pairs];
    for (int p = 0; p < pairs; p++) {
      int i = r.nextInt(n);
      int j = r.nextInt(n - 1);
      if (j >= i) {
        j++;
      }
      a[p] = dist(first[i], first[j]);
      b[p] = dist(second[i], second[j]);
    }
    return kendallTau(a, b);
  }

  private static double dist(float[] x, float[] y) {
    double s = 0;
    for (int k = 0; k < x.length; k++) {
      double t = (double) x[k] - y[k];
      s += t * t;
    }
    return Math.sqrt(s);
  }

  /**
   * The fraction of the K codes of one level that at least one item uses.
   *
   * @param codes {@code [N][L]}
   * @param level the level
   * @param k K
   * @return used codes / K
   */
  public static double usage(int[][] codes, int level, int k) {
    boolean[] used = new boolean[k];
    int count = 0;
    for (int[] c : codes) {
      if (!used[c[level]]) {
        used[c[level]] = true;
        count++;
      }
    }
    return (double) count / k;
  }

  /**
   * The perplexity {@code exp(H)} of one level's code distribution over the items (K when
   * perfectly uniform over K codes, 1 when all items share a code).
   *
   * @param codes {@code [N][L]}
   * @param level the level
   * @return the perplexity
   */
  public static double perplexity(int[][] codes, int level) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int[] c : codes) {
      counts.merge(c[level], 1, Integer::sum);
    }
    double h = 0;
    for (int c : counts.values()) {
      double p = (double) c / codes.length;
      h -= p * Math.log(p);
    }
    return Math.exp(h);
  }

  /**
   * The normalised mutual information {@code I(a; b) / sqrt(H(a) H(b))} of two labelings of the
   * same items (1 when one determines the other, about 0 when independent; 0 if either is
   * constant).
   *
   * @param a labels
   * @param b labels of the same items
   * @return NMI in [0, 1]
   * @throws IllegalArgumentException if the lengths differ
   */
  public static double nmi(int[] a, int[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("NMI needs labelings of the same items; got " + a.length + " and " + b.length);
    }
    int n = a.length;
    Map<Integer, Integer> ca = new HashMap<>();
    Map<Integer, Integer> cb = new HashMap<>();
    Map<Long, Integer> cab = new HashMap<>();
    for (int i = 0; i < n; i++) {
      ca.merge(a[i], 1, Integer::sum);
      cb.merge(b[i], 1, Integer::sum);
      cab.merge(((long) a[i] << 32) | (b[i] & 0xffffffffL), 1, Integer::sum);
    }
    double ha = entropy(ca, n);
    double hb = entropy(cb, n);
    if (ha == 0 || hb == 0) {
      return 0;
    }
    double mi = 0;
    for (Map.Entry<Long, Integer> e : cab.entrySet()) {
      int x = (int) (e.getKey() >> 32);
      int y = (int) (long) e.getKey();
      double pxy = (double) e.getValue() / n;
      double px = (double) ca.get(x) / n;
      double py = (double) cb.get(y) / n;
      mi += pxy * Math.log(pxy / (px * py));
    }
    return Math.max(0, Math.min(1, mi / Math.sqrt(ha * hb)));
  }

  private static double entropy(Map<Integer, Integer> counts, int n) {
    double h = 0;
    for (int c : counts.values()) {
      double p = (double) c / n;
      h -= p * Math.log(p);
    }
    return h;
  }
}

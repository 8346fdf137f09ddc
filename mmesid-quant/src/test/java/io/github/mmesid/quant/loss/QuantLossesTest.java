package io.github.mmesid.quant.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.GradientChecker;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.quant.cluster.Sinkhorn;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * MMD, InfoNCE and the in-graph code selections: float64 finite-difference gradient checks and
 * forward values against plain-Java references.
 */
class QuantLossesTest {
  private static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();
  private final SplittableRandom rnd = new SplittableRandom(11);

  private double[] rand(int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextGaussian() * scale;
    }
    return v;
  }

  private static TensorData data(double[] v, long... shape) {
    return TensorData.ofDoubles(shape, v);
  }

  /** Evaluates f(a, b) in a float64 graph through ONNX Runtime. */
  private static HostTensor eval(BiFunction<Tensor, Tensor, Tensor> f, double[] a, double[] b,
      int rows, int d) {
    Graph g = new Graph("eval", DType.FLOAT64);
    Tensor x = g.input("a", DType.FLOAT64, Shape.mixed("B", d));
    Tensor y = g.input("b", DType.FLOAT64, Shape.mixed("B", d));
    try (Predictor p = Predictor.create(g, Map.of("out", f.apply(x, y)),
        new ParameterSnapshot(Map.of()), ONE);
        HostTensor ha = HostTensor.of(a, rows, d);
        HostTensor hb = HostTensor.of(b, rows, d);
        RunOutputs out = p.run(Map.of("a", ha, "b", hb))) {
      HostTensor o = out.get("out");
      HostTensor copy = o.dtype() == DType.INT64
          ? HostTensor.of(o.toLongArray(), o.shape()) : HostTensor.of(o.toDoubleArray(), o.shape());
      return copy;
    }
  }

  private static double sq(double[] x, int i, double[] y, int j, int d) {
    double s = 0;
    for (int k = 0; k < d; k++) {
      double t = x[i * d + k] - y[j * d + k];
      s += t * t;
    }
    return s;
  }

  static double mmdRef(double[] x, double[] y, int b, int d, double... alphas) {
    double sum = 0;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        sum += sq(x, i, x, j, d) + sq(y, i, y, j, d) + 2 * sq(x, i, y, j, d);
      }
    }
    double mean = sum / (4.0 * b * b) + 1e-12;
    double total = 0;
    for (double a : alphas) {
      double kxx = 0;
      double kyy = 0;
      double kxy = 0;
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < b; j++) {
          kxx += Math.exp(-sq(x, i, x, j, d) / (2 * a * mean));
          kyy += Math.exp(-sq(y, i, y, j, d) / (2 * a * mean));
          kxy += Math.exp(-sq(x, i, y, j, d) / (2 * a * mean));
        }
      }
      total += (kxx + kyy - 2 * kxy) / (b * (double) b);
    }
    return total;
  }

  static double infoNceRef(double[] a, double[] b, int n, int d, double t) {
    double[] an = normalize(a, n, d);
    double[] bn = normalize(b, n, d);
    double[][] logits = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          s += an[i * d + k] * bn[j * d + k];
        }
        logits[i][j] = s / t;
      }
    }
    double ab = 0;
    double ba = 0;
    for (int i = 0; i < n; i++) {
      double rowMax = Double.NEGATIVE_INFINITY;
      double colMax = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        rowMax = Math.max(rowMax, logits[i][j]);
        colMax = Math.max(colMax, logits[j][i]);
      }
      double rs = 0;
      double cs = 0;
      for (int j = 0; j < n; j++) {
        rs += Math.exp(logits[i][j] - rowMax);
        cs += Math.exp(logits[j][i] - colMax);
      }
      ab += -(logits[i][i] - rowMax - Math.log(rs));
      ba += -(logits[i][i] - colMax - Math.log(cs));
    }
    return (ab / n + ba / n) / 2;
  }

  private static double[] normalize(double[] a, int n, int d) {
    double[] out = new double[a.length];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k < d; k++) {
        s += a[i * d + k] * a[i * d + k];
      }
      double inv = 1 / Math.sqrt(s + 1e-12);
      for (int k = 0; k < d; k++) {
        out[i * d + k] = a[i * d + k] * inv;
      }
    }
    return out;
  }

  private static void gradCheck(GradientChecker.Recipe recipe, TensorData... values) {
    GradientChecker.Report r = GradientChecker.check(recipe, List.of(values),
        GradientChecker.Options.float64());
    assertTrue(r.passed(), () -> "gradient check failed: " + r);
    assertTrue(r.checked() > 0, "no coordinate checked");
  }

  /** The mean squared distance of the joint batch, the bandwidth base of {@link QuantLosses#mmd}. */
  static double jointMean(double[] x, double[] y, int b, int d) {
    double sum = 0;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        sum += sq(x, i, x, j, d) + sq(y, i, y, j, d) + 2 * sq(x, i, y, j, d);
      }
    }
    return sum / (4.0 * b * b);
  }

  /**
   * The bandwidth is a constant for gradients (METHOD.md), so {@code mmd}'s gradient is that of
   * the fixed-bandwidth MMD at the batch's bandwidth; that function is checked by finite
   * differences, and both give the same value there.
   */
  @Test
  void mmdGradientsMatchFiniteDifferences() {
    int b = 5;
    int d = 3;
    double[] alphas = QuantLosses.defaultMmdAlphas();
    double[] x = rand(b * d, 1);
    double[] y = rand(b * d, 1.5);
    double m = jointMean(x, y, b, d);
    gradCheck((g, in) -> QuantLosses.mmdFixedBandwidth(in.get(0), in.get(1), m, alphas),
        data(x, b, d), data(y, b, d));
    gradCheck((g, in) -> QuantLosses.mmdFixedBandwidth(in.get(0), in.get(1), 0.7, 0.5),
        data(rand(b * d, 1), b, d), data(rand(b * d, 0.5), b, d));
    try (HostTensor full = eval((p, q) -> QuantLosses.mmd(p, q, alphas), x, y, b, d);
        HostTensor fixed = eval((p, q) -> QuantLosses.mmdFixedBandwidth(p, q, m, alphas), x, y,
            b, d)) {
      assertEquals(fixed.getDouble(0), full.getDouble(0), 1e-12);
    }
  }

  @Test
  void mmdMatchesReferenceAndVanishesForEqualBatches() {
    int b = 6;
    int d = 4;
    double[] x = rand(b * d, 1);
    double[] y = rand(b * d, 2);
    double[] alphas = {0.125, 0.5, 2};
    try (HostTensor v = eval((p, q) -> QuantLosses.mmd(p, q, alphas), x, y, b, d)) {
      assertEquals(mmdRef(x, y, b, d, alphas), v.getDouble(0), 1e-12);
      assertTrue(v.getDouble(0) > 0.01, "different batches must have a positive MMD");
    }
    // the same rows in another order: MMD matches distributions, so it is zero
    double[] shuffled = new double[x.length];
    for (int i = 0; i < b; i++) {
      System.arraycopy(x, ((i + 2) % b) * d, shuffled, i * d, d);
    }
    try (HostTensor v = eval((p, q) -> QuantLosses.mmd(p, q, alphas), x, shuffled, b, d)) {
      assertEquals(0, v.getDouble(0), 1e-12);
    }
  }

  @Test
  void infoNceGradientsMatchFiniteDifferences() {
    int b = 4;
    int d = 3;
    gradCheck((g, in) -> QuantLosses.infoNce(in.get(0), in.get(1), 0.1),
        data(rand(b * d, 1), b, d), data(rand(b * d, 1), b, d));
    gradCheck((g, in) -> QuantLosses.infoNce(in.get(0), in.get(1), 1.0),
        data(rand(b * d, 2), b, d), data(rand(b * d, 0.3), b, d));
  }

  @Test
  void infoNceMatchesReference() {
    int b = 5;
    int d = 3;
    double[] x = rand(b * d, 1);
    double[] y = rand(b * d, 1);
    try (HostTensor v = eval((p, q) -> QuantLosses.infoNce(p, q, 0.1), x, y, b, d)) {
      assertEquals(infoNceRef(x, y, b, d, 0.1), v.getDouble(0), 1e-10);
    }
    // aligned pairs (b = 2a) give a lower loss than random pairs
    double[] y2 = x.clone();
    for (int i = 0; i < y2.length; i++) {
      y2[i] *= 2;
    }
    try (HostTensor v = eval((p, q) -> QuantLosses.infoNce(p, q, 0.1), x, y2, b, d)) {
      assertTrue(v.getDouble(0) < infoNceRef(x, y, b, d, 0.1));
    }
  }

  @Test
  void inGraphCodeSelectionsMatchJava() {
    int b = 40;
    int k = 8;
    int d = 3;
    double[] r = rand(b * d, 1);
    double[] c = rand(k * d, 1);
    double[][] cost = new double[b][k];
    int[] nearest = new int[b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < k; j++) {
        cost[i][j] = sq(r, i, c, j, d);
        if (cost[i][j] < cost[i][nearest[i]]) {
          nearest[i] = j;
        }
      }
    }
    int[] sink = Sinkhorn.assign(cost, 0.003, 50);
    int[] items = Sinkhorn.assign(cost, 0.003, 50, Sinkhorn.Order.ITEMS_FIRST);
    int[] itemsOne = Sinkhorn.assign(cost, 0.05, 1, Sinkhorn.Order.ITEMS_FIRST);
    int[] codesOne = Sinkhorn.assign(cost, 0.05, 1, Sinkhorn.Order.CODES_FIRST);
    Graph g = new Graph("codes", DType.FLOAT64);
    Tensor rt = g.input("r", DType.FLOAT64, Shape.mixed("B", d));
    Tensor ct = g.input("c", DType.FLOAT64, Shape.of(k, d));
    Map<String, Tensor> outs = Map.of("n", QuantLosses.nearestCodes(rt, ct),
        "s", QuantLosses.sinkhornCodes(rt, ct, 0.003, 50),
        "i", QuantLosses.sinkhornCodes(rt, ct, 0.003, 50, Sinkhorn.Order.ITEMS_FIRST),
        "i1", QuantLosses.sinkhornCodes(rt, ct, 0.05, 1, Sinkhorn.Order.ITEMS_FIRST),
        "c1", QuantLosses.sinkhornCodes(rt, ct, 0.05, 1, Sinkhorn.Order.CODES_FIRST));
    try (Predictor p = Predictor.create(g, outs, new ParameterSnapshot(Map.of()), ONE);
        HostTensor hr = HostTensor.of(r, b, d);
        HostTensor hc = HostTensor.of(c, k, d);
        RunOutputs out = p.run(Map.of("r", hr, "c", hc))) {
      long[] n = out.get("n").toLongArray();
      long[] s = out.get("s").toLongArray();
      long[] it = out.get("i").toLongArray();
      long[] i1 = out.get("i1").toLongArray();
      long[] c1 = out.get("c1").toLongArray();
      for (int i = 0; i < b; i++) {
        assertEquals(nearest[i], n[i], "nearest code of row " + i);
        assertEquals(sink[i], s[i], "Sinkhorn code of row " + i);
        assertEquals(items[i], it[i], "items-first Sinkhorn code of row " + i);
        assertEquals(itemsOne[i], i1[i], "items-first Sinkhorn code (1 round) of row " + i);
        assertEquals(codesOne[i], c1[i], "codes-first Sinkhorn code (1 round) of row " + i);
      }
    }
  }

  @Test
  void badArgumentsAreRejected() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("B", 3));
    Tensor y = g.input("y", DType.FLOAT64, Shape.mixed("B", 4));
    assertThrows(IllegalArgumentException.class, () -> QuantLosses.mmd(x, y, 1.0));
    assertThrows(IllegalArgumentException.class, () -> QuantLosses.mmd(x, x));
    assertThrows(IllegalArgumentException.class, () -> QuantLosses.mmd(x, x, -1.0));
    assertThrows(IllegalArgumentException.class, () -> QuantLosses.infoNce(x, x, 0));
    assertArrayEquals(new double[] {0.125, 0.25, 0.5, 1, 2}, QuantLosses.defaultMmdAlphas());
  }
}

package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static io.github.mmesid.core.engine.graph.OrtEval.assertClose;
import static io.github.mmesid.core.engine.graph.OrtEval.assertShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code linear} (PyTorch weight layout) and {@code pairwiseSquaredDistances}: gradient checks
 * through ONNX Runtime (float64) and forward values against plain-Java loops (1e-12 relative,
 * 1e-12 absolute).
 */
class LinearAlgebraOpsTest {
  private static final double TOL = 1e-12;
  private final SplittableRandom r = new SplittableRandom(5);

  /** {@code y[n][o] = sum_i x[n][i] w[o][i] + b[o]} over the flattened leading dims of x. */
  private static double[] linearRef(TensorData x, TensorData w, TensorData b) {
    long[] ws = w.shape();
    int out = (int) ws[0];
    int in = (int) ws[1];
    double[] xv = x.toDoubles();
    double[] wv = w.toDoubles();
    double[] bv = b == null ? new double[out] : b.toDoubles();
    int rows = xv.length / in;
    double[] y = new double[rows * out];
    for (int n = 0; n < rows; n++) {
      for (int o = 0; o < out; o++) {
        double s = bv[o];
        for (int i = 0; i < in; i++) {
          s += xv[n * in + i] * wv[o * in + i];
        }
        y[n * out + o] = s;
      }
    }
    return y;
  }

  @Test
  void linearForwardAndGradientForSeveralRanks() {
    long[][] xShapes = {{4}, {3, 4}, {2, 3, 4}, {2, 1, 2, 4}};
    for (long[] xs : xShapes) {
      TensorData x = rand(r, xs);
      TensorData w = rand(r, 5, 4);
      TensorData b = rand(r, 5);
      check((g, in) -> in.get(0).linear(in.get(1), in.get(2)), x, w, b);
      check((g, in) -> in.get(0).linear(in.get(1), null), x, w);
      OrtEval.Value y = OrtEval.forward((g, in) -> in.get(0).linear(in.get(1), in.get(2)), x,
          w, b);
      long[] ys = xs.clone();
      ys[ys.length - 1] = 5;
      assertShape(y, ys);
      assertClose(linearRef(x, w, b), y, TOL, TOL);
      assertClose(linearRef(x, w, null),
          OrtEval.forward((g, in) -> in.get(0).linear(in.get(1), null), x, w), TOL, TOL);
    }
  }

  @Test
  void linearWithSymbolicBatchDims() {
    Graph g = new Graph("lin", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("batch", "seq", 3));
    Tensor w = g.parameter("w", rand(r, 2, 3));
    Tensor b = g.parameter("b", rand(r, 2));
    Tensor y = x.linear(w, b);
    assertEquals(Shape.mixed("batch", "seq", 2), y.shape());
    Tensor loss = y.sum(false);
    List<Tensor> grads = Autodiff.gradientList(loss, List.of(x, w, b));
    // The weight gradient folds the batch into the rows: a 2-D MatMul, no batched product.
    Tensor gwT = grads.get(1).producer().input(0);
    assertEquals("MatMul", gwT.producer().opType());
    assertEquals(2, gwT.producer().input(0).rank());
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("y", y);
    outs.put("gx", grads.get(0));
    outs.put("gw", grads.get(1));
    outs.put("gb", grads.get(2));
    TensorData xv = rand(r, 2, 5, 3);
    Map<String, OrtEval.Value> res = OrtEval.run(g, outs,
        Map.of("x", xv, "w", w.data(), "b", b.data()));
    assertShape(res.get("y"), 2, 5, 2);
    assertClose(linearRef(xv, w.data(), b.data()), res.get("y"), TOL, TOL);
    // d sum(y) / dx[n][i] = sum_o w[o][i]; / dw[o][i] = sum_n x[n][i]; / db[o] = rows.
    double[] wv = w.data().toDoubles();
    double[] xs = xv.toDoubles();
    double[] gx = new double[30];
    double[] gw = new double[6];
    for (int n = 0; n < 10; n++) {
      for (int i = 0; i < 3; i++) {
        gx[n * 3 + i] = wv[i] + wv[3 + i];
        gw[i] += xs[n * 3 + i];
        gw[3 + i] += xs[n * 3 + i];
      }
    }
    assertClose(gx, res.get("gx"), TOL, TOL);
    assertClose(gw, res.get("gw"), TOL, TOL);
    assertClose(new double[] {10, 10}, res.get("gb"), 0, 0);
  }

  @Test
  void linearInFloat32() {
    TensorData x = TensorData.ofReals(DType.FLOAT32, new long[] {2, 3, 4},
        rand(r, 2, 3, 4).toDoubles());
    TensorData w = TensorData.ofReals(DType.FLOAT32, new long[] {5, 4}, rand(r, 5, 4).toDoubles());
    TensorData b = TensorData.ofReals(DType.FLOAT32, new long[] {5}, rand(r, 5).toDoubles());
    assertClose(linearRef(x, w, b),
        OrtEval.forward((g, in) -> in.get(0).linear(in.get(1), in.get(2)), x, w, b), 2e-6, 0);
    // d sum(y) / dw[o][i] = sum over rows of x[n][i].
    double[] xs = x.toDoubles();
    double[] gw = new double[20];
    for (int n = 0; n < 6; n++) {
      for (int o = 0; o < 5; o++) {
        for (int i = 0; i < 4; i++) {
          gw[o * 4 + i] += xs[n * 4 + i];
        }
      }
    }
    assertClose(gw, OrtEval.gradients((g, in) -> in.get(0).linear(in.get(1), in.get(2)), x, w,
        b).get(1), 2e-6, 0);
  }

  @Test
  void matmulWithSharedWeightGradient() {
    // The folded weight gradient of batched @ 2-D MatMul, checked directly.
    check((g, in) -> in.get(0).matmul(in.get(1)), rand(r, 2, 3, 4), rand(r, 4, 5));
    check((g, in) -> in.get(0).matmul(in.get(1)), rand(r, 2, 2, 3, 4), rand(r, 4, 2));
  }

  private static double[] distRef(TensorData a, TensorData b) {
    long[] as = a.shape();
    long[] bs = b.shape();
    int d = (int) as[as.length - 1];
    int n = (int) as[as.length - 2];
    int m = (int) bs[bs.length - 2];
    long[] batchA = java.util.Arrays.copyOf(as, as.length - 2);
    long[] batchB = java.util.Arrays.copyOf(bs, bs.length - 2);
    long[] batch = Ref.broadcast(batchA, batchB);
    double[] av = a.toDoubles();
    double[] bv = b.toDoubles();
    int nb = (int) Ref.numel(batch);
    double[] out = new double[nb * n * m];
    for (int t = 0; t < nb; t++) {
      long[] bi = Ref.unravel(t, batch);
      int oa = Ref.broadcastIndex(bi, batchA) * n * d;
      int ob = Ref.broadcastIndex(bi, batchB) * m * d;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) {
          double s = 0;
          for (int k = 0; k < d; k++) {
            double diff = av[oa + i * d + k] - bv[ob + j * d + k];
            s += diff * diff;
          }
          out[(t * n + i) * m + j] = s;
        }
      }
    }
    return out;
  }

  @Test
  void pairwiseSquaredDistancesForwardAndGradient() {
    long[][][] shapes = {{{3, 4}, {5, 4}}, {{2, 3, 4}, {5, 4}}, {{1, 3, 2}, {2, 4, 2}},
        {{6, 3}, {6, 3}}};
    for (long[][] s : shapes) {
      TensorData a = rand(r, s[0]);
      TensorData b = rand(r, s[1]);
      check((g, in) -> MathOps.pairwiseSquaredDistances(in.get(0), in.get(1)), a, b);
      OrtEval.Value d = OrtEval.forward(
          (g, in) -> MathOps.pairwiseSquaredDistances(in.get(0), in.get(1)), a, b);
      assertClose(distRef(a, b), d, 1e-12, 1e-12);
    }
    // Identical rows: exactly >= 0 and ~0, never negative from rounding.
    TensorData a = rand(r, -100.0, 100.0, 4, 8);
    OrtEval.Value self = OrtEval.forward(
        (g, in) -> MathOps.pairwiseSquaredDistances(in.get(0), in.get(0)), a);
    for (int i = 0; i < 4; i++) {
      double v = self.get(i * 4 + i);
      assertTrue(v >= 0 && v < 1e-9, "self distance " + v);
    }
  }

  @Test
  void argumentValidation() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(2, 4));
    Tensor w = g.input("w", DType.FLOAT64, Shape.of(5, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> x.linear(w, null));
    assertTrue(e.getMessage().contains("[out, in]"), e.getMessage());
    Tensor w2 = g.input("w2", DType.FLOAT64, Shape.of(5, 4));
    Tensor bad = g.input("bad", DType.FLOAT64, Shape.of(4));
    e = assertThrows(IllegalArgumentException.class, () -> x.linear(w2, bad));
    assertTrue(e.getMessage().contains("bias must have shape [5]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.linear(x.sum(false), null));
    assertTrue(e.getMessage().contains("rank 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MathOps.pairwiseSquaredDistances(x, w));
    assertTrue(e.getMessage().contains("[..., d]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MathOps.pairwiseSquaredDistances(x, bad));
    assertTrue(e.getMessage().contains("rank >= 2"), e.getMessage());
  }
}

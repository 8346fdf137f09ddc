package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static io.github.mmesid.core.engine.graph.OrtEval.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.GradientChecker;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Activations (sigmoid, tanh, silu, gelu both forms) and softmax / log-softmax on every axis:
 * gradient checks through ONNX Runtime and forward values against plain-Java formulas (float64:
 * 1e-12 relative + 1e-14 absolute; float32: 2e-6 absolute).
 */
class ActivationOpsTest {
  private static final double TOL = 1e-12;
  private final SplittableRandom r = new SplittableRandom(3);

  private static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  private static double geluExact(double v) {
    return 0.5 * v * (1 + Ref.erf(v / Math.sqrt(2)));
  }

  private static double geluTanh(double v) {
    return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
  }

  private static TensorData floats(TensorData d) {
    return TensorData.ofReals(DType.FLOAT32, d.shape(), d.toDoubles());
  }

  @Test
  void sigmoidTanhSilu() {
    for (long[] shape : new long[][] {{6}, {2, 3, 4}}) {
      TensorData x = rand(r, -4.0, 4.0, shape);
      check((g, in) -> in.get(0).sigmoid(), x);
      check((g, in) -> in.get(0).tanh(), x);
      check((g, in) -> in.get(0).silu(), x);
      assertClose(Ref.unary(x, ActivationOpsTest::sigmoid),
          OrtEval.forward((g, in) -> in.get(0).sigmoid(), x), 1e-14, TOL);
      assertClose(Ref.unary(x, Math::tanh), OrtEval.forward((g, in) -> in.get(0).tanh(), x),
          1e-14, TOL);
      assertClose(Ref.unary(x, v -> v * sigmoid(v)),
          OrtEval.forward((g, in) -> in.get(0).silu(), x), 1e-14, TOL);
    }
  }

  @Test
  void siluInBothPrecisionsAndExtremes() {
    TensorData x = TensorData.ofDoubles(new long[] {6}, -800, -40, -1, 0, 2, 750);
    double[] expected = {-800 * Math.exp(-800), -40 / (1 + Math.exp(40)), -1 * sigmoid(-1), 0,
        2 * sigmoid(2), 750};
    assertClose(expected, OrtEval.forward((g, in) -> in.get(0).silu(), x), 1e-300, TOL);
    assertClose(Ref.unary(x, v -> sigmoid(v) * (1 + v * (1 - sigmoid(v)))),
        OrtEval.gradients((g, in) -> in.get(0).silu(), x).get(0), 1e-300, TOL);
    TensorData x32 = floats(rand(r, -6.0, 6.0, 3, 5));
    assertClose(Ref.unary(x32, v -> v * sigmoid(v)),
        OrtEval.forward((g, in) -> in.get(0).silu(), x32), 2e-6, 0);
  }

  @Test
  void geluBothFormsInFloat64() {
    for (long[] shape : new long[][] {{9}, {3, 4}}) {
      TensorData x = rand(r, -5.0, 5.0, shape);
      check((g, in) -> in.get(0).gelu(), x);
      check((g, in) -> in.get(0).gelu("tanh"), x);
      assertClose(Ref.unary(x, ActivationOpsTest::geluExact),
          OrtEval.forward((g, in) -> in.get(0).gelu("none"), x), 1e-14, TOL);
      assertClose(Ref.unary(x, ActivationOpsTest::geluTanh),
          OrtEval.forward((g, in) -> in.get(0).gelu("tanh"), x), 1e-14, TOL);
    }
    // Known values of torch.nn.functional.gelu: gelu(1) = 0.8413447460685429 (exact form).
    TensorData one = TensorData.ofDoubles(new long[] {2}, 1, -1);
    assertClose(new double[] {0.8413447460685429, -0.15865525393145707},
        OrtEval.forward((g, in) -> in.get(0).gelu(), one), 1e-15, 0);
  }

  @Test
  void geluInFloat32() {
    TensorData x = floats(rand(r, -5.0, 5.0, 4, 6));
    assertClose(Ref.unary(x, ActivationOpsTest::geluExact),
        OrtEval.forward((g, in) -> in.get(0).gelu(), x), 2e-6, 0);
    assertClose(Ref.unary(x, ActivationOpsTest::geluTanh),
        OrtEval.forward((g, in) -> in.get(0).gelu("tanh"), x), 2e-6, 0);
    // float32 check of the native-Erf path: eps 1e-2, rtol 2e-3, atol 2e-4.
    GradientChecker.Options f32 = new GradientChecker.Options(1e-2, 2e-3, 2e-4, 40, 5);
    GradCheckSupport.check(f32, (g, in) -> in.get(0).gelu(), x);
  }

  /** Reference softmax (or log-softmax) of a row-major tensor along {@code axis}. */
  private static double[] softmaxRef(TensorData x, int axis, boolean log) {
    long[] s = x.shape();
    double[] v = x.toDoubles();
    double[] out = new double[v.length];
    int[] ax = {axis};
    double[] max = Ref.reduce(x, ax, Math::max, Double.NEGATIVE_INFINITY);
    long[] kept = Ref.reducedShape(s, ax, true);
    double[] sum = new double[max.length];
    for (int i = 0; i < v.length; i++) {
      int o = Ref.broadcastIndex(Ref.unravel(i, s), kept);
      sum[o] += Math.exp(v[i] - max[o]);
    }
    for (int i = 0; i < v.length; i++) {
      int o = Ref.broadcastIndex(Ref.unravel(i, s), kept);
      double z = v[i] - max[o];
      out[i] = log ? z - Math.log(sum[o]) : Math.exp(z) / sum[o];
    }
    return out;
  }

  @Test
  void softmaxAndLogSoftmaxOnEveryAxis() {
    long[] shape = {2, 3, 4};
    for (int axis = -3; axis < 3; axis++) {
      final int a = axis;
      TensorData x = rand(r, -3.0, 3.0, shape);
      check((g, in) -> in.get(0).softmax(a), x);
      check((g, in) -> in.get(0).logSoftmax(a), x);
      int pos = a < 0 ? a + 3 : a;
      assertClose(softmaxRef(x, pos, false),
          OrtEval.forward((g, in) -> in.get(0).softmax(a), x), 1e-15, TOL);
      assertClose(softmaxRef(x, pos, true),
          OrtEval.forward((g, in) -> in.get(0).logSoftmax(a), x), 1e-14, TOL);
    }
    check((g, in) -> in.get(0).softmax(0), rand(r, 5));
  }

  @Test
  void softmaxIsStableForLargeLogits() {
    TensorData x = TensorData.ofDoubles(new long[] {2, 3}, 1000, 999, -1000, -800, -801, -799);
    assertClose(softmaxRef(x, 1, false), OrtEval.forward((g, in) -> in.get(0).softmax(-1), x),
        1e-15, TOL);
    OrtEval.Value ls = OrtEval.forward((g, in) -> in.get(0).logSoftmax(-1), x);
    assertClose(softmaxRef(x, 1, true), ls, 1e-12, TOL);
    // Gradient of sum(log_softmax) is 1 - C * softmax; finite at huge logits.
    double[] sm = softmaxRef(x, 1, false);
    double[] expected = new double[6];
    for (int i = 0; i < 6; i++) {
      expected[i] = 1 - 3 * sm[i];
    }
    assertClose(expected, OrtEval.gradients((g, in) -> in.get(0).logSoftmax(-1), x).get(0),
        1e-14, TOL);
    check((g, in) -> in.get(0).softmax(1).mul(in.get(0)),
        TensorData.ofDoubles(new long[] {1, 3}, 300, 301, 299));
  }

  @Test
  void argumentValidation() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(2, 3));
    Tensor i = g.input("i", DType.INT64, Shape.of(2, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> x.gelu("erf"));
    assertTrue(e.getMessage().contains("\"none\" or \"tanh\""), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.softmax(2));
    assertTrue(e.getMessage().contains("[-2, 1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> i.sigmoid());
    assertTrue(e.getMessage().contains("Sigmoid"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.sum(false).logSoftmax(0));
    assertTrue(e.getMessage().contains("rank >= 1"), e.getMessage());
  }
}

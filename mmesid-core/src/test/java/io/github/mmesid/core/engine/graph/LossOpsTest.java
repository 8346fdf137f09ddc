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
 * Cross-entropy (reductions, ignore index, all-ignored batches, higher-rank logits, symbolic
 * batch) and mean squared error: gradient checks through ONNX Runtime (float64) and values
 * against plain-Java references (1e-12 relative + 1e-13 absolute).
 */
class LossOpsTest {
  private static final double TOL = 1e-12;
  private final SplittableRandom r = new SplittableRandom(17);

  private static TensorData longs(long[] shape, long... v) {
    return TensorData.ofLongs(shape, v);
  }

  /** Per-row negative log-likelihood, 0 for ignored rows. */
  private static double[] nllRef(TensorData logits, long[] targets, long ignore) {
    long[] s = logits.shape();
    int c = (int) s[s.length - 1];
    double[] v = logits.toDoubles();
    double[] out = new double[targets.length];
    for (int n = 0; n < targets.length; n++) {
      if (targets[n] == ignore) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < c; k++) {
        max = Math.max(max, v[n * c + k]);
      }
      double sum = 0;
      for (int k = 0; k < c; k++) {
        sum += Math.exp(v[n * c + k] - max);
      }
      out[n] = -(v[n * c + (int) targets[n]] - max - Math.log(sum));
    }
    return out;
  }

  /** d mean-loss / d logits = (softmax - onehot) / count on non-ignored rows. */
  private static double[] gradRef(TensorData logits, long[] targets, long ignore, boolean mean) {
    long[] s = logits.shape();
    int c = (int) s[s.length - 1];
    double[] v = logits.toDoubles();
    double[] out = new double[v.length];
    int count = 0;
    for (long t : targets) {
      count += t == ignore ? 0 : 1;
    }
    double scale = mean ? 1.0 / Math.max(count, 1) : 1.0;
    for (int n = 0; n < targets.length; n++) {
      if (targets[n] == ignore) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < c; k++) {
        max = Math.max(max, v[n * c + k]);
      }
      double sum = 0;
      for (int k = 0; k < c; k++) {
        sum += Math.exp(v[n * c + k] - max);
      }
      for (int k = 0; k < c; k++) {
        double p = Math.exp(v[n * c + k] - max) / sum;
        out[n * c + k] = scale * (p - (k == targets[n] ? 1 : 0));
      }
    }
    return out;
  }

  private static double sum(double[] a) {
    double s = 0;
    for (double x : a) {
      s += x;
    }
    return s;
  }

  @Test
  void crossEntropyReductionsAndIgnoreIndex() {
    TensorData logits = rand(r, -3.0, 3.0, 6, 5);
    long[] t = {0, 4, -100, 2, 2, -100};
    TensorData targets = longs(new long[] {6}, t);
    double[] nll = nllRef(logits, t, -100);
    OrtEval.Value none = OrtEval.forward((g, in) -> NnOps.crossEntropy(in.get(0), in.get(1),
        -100, NnOps.Reduction.NONE), logits, targets);
    assertShape(none, 6);
    assertClose(nll, none, 1e-13, TOL);
    assertClose(new double[] {sum(nll)}, OrtEval.forward((g, in) -> NnOps.crossEntropy(
        in.get(0), in.get(1), -100, NnOps.Reduction.SUM), logits, targets), 1e-13, TOL);
    OrtEval.Value mean = OrtEval.forward((g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)),
        logits, targets);
    assertShape(mean);
    assertClose(new double[] {sum(nll) / 4}, mean, 1e-13, TOL);
    for (NnOps.Reduction red : NnOps.Reduction.values()) {
      check((g, in) -> NnOps.crossEntropy(in.get(0), in.get(1), -100, red), logits, targets);
    }
    assertClose(gradRef(logits, t, -100, true), OrtEval.gradients(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, targets).get(0), 1e-14,
        TOL);
  }

  /** {@code crossEntropy(h @ w^T, targets)}: the pattern of an output layer tied to a table. */
  private static Tensor outputLayerLoss(List<Tensor> in, boolean alsoSumLogits) {
    Tensor logits = in.get(0).matmul(ArrayOps.transpose(in.get(1), 1, 0));
    Tensor loss = NnOps.crossEntropy(logits, in.get(2));
    // A second consumer of the logits (weighted 0) makes their gradient a sum: generic rules.
    return alsoSumLogits ? loss.add(logits.sum(false).mul(0.0)) : loss;
  }

  @Test
  void crossEntropyOfAProductGetsTheFactoredGradient() {
    // h [5, 3], w [7, 3]; targets with a repeat (3) and an ignored row.
    TensorData h = rand(r, -1.0, 1.0, 5, 3);
    TensorData w = rand(r, -1.0, 1.0, 7, 3);
    long[] t = {3, 0, -100, 3, 6};
    TensorData targets = longs(new long[] {5}, t);
    check((g, in) -> outputLayerLoss(in, false), h, w, targets);
    List<OrtEval.Value> fast = OrtEval.gradients((g, in) -> outputLayerLoss(in, false), h, w,
        targets);
    List<OrtEval.Value> generic = OrtEval.gradients((g, in) -> outputLayerLoss(in, true), h, w,
        targets);
    // Plain-Java reference: D = d loss / d logits, dh = D w, dw = D^T h.
    double[] hv = h.toDoubles();
    double[] wv = w.toDoubles();
    double[] logits = new double[5 * 7];
    for (int i = 0; i < 5; i++) {
      for (int c = 0; c < 7; c++) {
        for (int k = 0; k < 3; k++) {
          logits[i * 7 + c] += hv[i * 3 + k] * wv[c * 3 + k];
        }
      }
    }
    double[] d = gradRef(TensorData.ofDoubles(new long[] {5, 7}, logits), t, -100, true);
    double[] dh = new double[15];
    double[] dw = new double[21];
    for (int i = 0; i < 5; i++) {
      for (int c = 0; c < 7; c++) {
        for (int k = 0; k < 3; k++) {
          dh[i * 3 + k] += d[i * 7 + c] * wv[c * 3 + k];
          dw[c * 3 + k] += d[i * 7 + c] * hv[i * 3 + k];
        }
      }
    }
    assertClose(dh, fast.get(0), 1e-14, TOL);
    assertClose(dw, fast.get(1), 1e-14, TOL);
    assertClose(dh, generic.get(0), 1e-14, TOL);
    assertClose(dw, generic.get(1), 1e-14, TOL);
    // The factored rule leaves no [rows, classes] scatter: its only ScatterElements adds the
    // one-hot part into [K, C]; the generic rules scatter into the logits gradient.
    assertEquals(List.of("add"), scatterReductions(false));
    assertEquals(List.of("none"), scatterReductions(true));
  }

  /** The reduction attribute of every ScatterElements node in the exported gradient graph. */
  private static List<String> scatterReductions(boolean alsoSumLogits) {
    Graph g = new Graph("ce");
    Tensor h = g.input("h", DType.FLOAT32, Shape.mixed("R", 3));
    Tensor w = g.input("w", DType.FLOAT32, Shape.of(7, 3));
    Tensor t = g.input("t", DType.INT64, Shape.mixed("R"));
    Tensor loss = outputLayerLoss(List.of(h, w, t), alsoSumLogits);
    List<Tensor> grads = Autodiff.gradientList(loss, List.of(h, w));
    ExportedGraph e = OnnxExporter.export(g, Map.of("gh", grads.get(0), "gw", grads.get(1)));
    List<String> out = new java.util.ArrayList<>();
    for (var node : e.model().getGraph().getNodeList()) {
      if (node.getOpType().equals("ScatterElements")) {
        String red = "none";
        for (var a : node.getAttributeList()) {
          if (a.getName().equals("reduction")) {
            red = a.getS().toStringUtf8();
          }
        }
        out.add(red);
      }
    }
    return out;
  }

  @Test
  void ignoreIndexMayBeAValidClass() {
    TensorData logits = rand(r, -2.0, 2.0, 4, 3);
    long[] t = {2, 0, 2, 1};
    TensorData targets = longs(new long[] {4}, t);
    assertClose(new double[] {sum(nllRef(logits, t, 2)) / 2}, OrtEval.forward(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1), 2, NnOps.Reduction.MEAN), logits,
        targets), 1e-13, TOL);
    check((g, in) -> NnOps.crossEntropy(in.get(0), in.get(1), 2, NnOps.Reduction.MEAN), logits,
        targets);
  }

  @Test
  void allIgnoredBatchGivesZeroNotNaN() {
    TensorData logits = rand(r, 3, 4);
    TensorData targets = longs(new long[] {3}, -100, -100, -100);
    assertClose(new double[] {0}, OrtEval.forward(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, targets), 0, 0);
    assertClose(new double[12], OrtEval.gradients(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, targets).get(0), 0, 0);
  }

  @Test
  void crossEntropyOverSequenceLogits() {
    TensorData logits = rand(r, -2.0, 2.0, 2, 3, 7);
    long[] t = {6, 0, -100, 3, 3, 1};
    TensorData targets = longs(new long[] {2, 3}, t);
    OrtEval.Value none = OrtEval.forward((g, in) -> NnOps.crossEntropy(in.get(0), in.get(1),
        -100, NnOps.Reduction.NONE), logits, targets);
    assertShape(none, 2, 3);
    assertClose(nllRef(logits, t, -100), none, 1e-13, TOL);
    check((g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, targets);
    // INT32 targets are accepted.
    TensorData t32 = TensorData.ofInts(new long[] {2, 3}, 6, 0, -100, 3, 3, 1);
    assertClose(new double[] {sum(nllRef(logits, t, -100)) / 5}, OrtEval.forward(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, t32), 1e-13, TOL);
  }

  @Test
  void crossEntropyWithSymbolicBatch() {
    Graph g = new Graph("ce", DType.FLOAT64);
    Tensor logits = g.input("logits", DType.FLOAT64, Shape.mixed("batch", 4));
    Tensor targets = g.input("targets", DType.INT64, Shape.mixed("batch"));
    Tensor loss = NnOps.crossEntropy(logits, targets);
    Tensor grad = Autodiff.gradients(loss, List.of(logits)).get(logits);
    assertEquals(Shape.mixed("batch", 4), grad.shape());
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("loss", loss);
    outs.put("grad", grad);
    for (int n : new int[] {1, 5}) {
      TensorData l = rand(r, n, 4);
      long[] t = new long[n];
      for (int i = 0; i < n; i++) {
        t[i] = i % 3 == 2 ? -100 : r.nextInt(4);
      }
      Map<String, OrtEval.Value> res = OrtEval.run(g, outs,
          Map.of("logits", l, "targets", longs(new long[] {n}, t)));
      int count = 0;
      for (long v : t) {
        count += v == -100 ? 0 : 1;
      }
      assertClose(new double[] {sum(nllRef(l, t, -100)) / Math.max(count, 1)}, res.get("loss"),
          1e-13, TOL);
      assertClose(gradRef(l, t, -100, true), res.get("grad"), 1e-14, TOL);
    }
  }

  @Test
  void crossEntropyGradientTouchesTheClassAxisThreeTimes() {
    // d logits = -softmax * gp with gp added at the targets: Exp, Mul and one ScatterElements
    // over [batch, C]; not the generic rules' scatter into zeros, row sum, Exp, Mul and Sub.
    Graph g = new Graph("ce_fused", DType.FLOAT32);
    Tensor logits = g.input("logits", DType.FLOAT32, Shape.mixed("batch", 7));
    Tensor targets = g.input("targets", DType.INT64, Shape.mixed("batch"));
    Tensor loss = NnOps.crossEntropy(logits, targets, 0, NnOps.Reduction.MEAN);
    Tensor grad = Autodiff.gradients(loss, List.of(logits)).get(logits);
    ExportedGraph e = OnnxExporter.export(g, Map.of("grad", grad));
    List<String> ops = e.model().getGraph().getNodeList().stream()
        .map(ai.onnx.proto.OnnxMl.NodeProto::getOpType).toList();
    assertEquals(1, ops.stream().filter("ScatterElements"::equals).count(), ops.toString());
    assertEquals(1, ops.stream().filter("Exp"::equals).count(), ops.toString());
    assertEquals(0, ops.stream().filter("Sub"::equals).count(), ops.toString());
    long[] t = {3, 0, 6, 1};
    TensorData l = rand(r, 4, 7);
    TensorData l32 = TensorData.ofReals(DType.FLOAT32, new long[] {4, 7}, l.toDoubles());
    assertClose(gradRef(l, t, 0, true), OrtEval.run(g, Map.of("grad", grad),
        Map.of("logits", l32, "targets", longs(new long[] {4}, t))).get("grad"), 1e-6, 1e-5);
  }

  @Test
  void crossEntropyIsStableForLargeLogits() {
    TensorData logits = TensorData.ofDoubles(new long[] {2, 3}, 1000, -1000, 0, 500, 499, 498);
    long[] t = {1, 0};
    TensorData targets = longs(new long[] {2}, t);
    assertClose(nllRef(logits, t, -100), OrtEval.forward((g, in) -> NnOps.crossEntropy(
        in.get(0), in.get(1), -100, NnOps.Reduction.NONE), logits, targets), 1e-12, TOL);
  }

  @Test
  void crossEntropyInFloat32() {
    TensorData l64 = rand(r, -3.0, 3.0, 5, 6);
    TensorData logits = TensorData.ofReals(DType.FLOAT32, l64.shape(), l64.toDoubles());
    long[] t = {5, -100, 0, 3, 3};
    TensorData targets = longs(new long[] {5}, t);
    // Reference on the float32-rounded logits; float32 kernels: 2e-6 absolute.
    assertClose(new double[] {sum(nllRef(logits, t, -100)) / 4}, OrtEval.forward(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, targets), 2e-6, 0);
    assertClose(gradRef(logits, t, -100, true), OrtEval.gradients(
        (g, in) -> NnOps.crossEntropy(in.get(0), in.get(1)), logits, targets).get(0), 2e-7, 0);
  }

  @Test
  void meanSquaredError() {
    for (long[] shape : new long[][] {{5}, {2, 3, 4}}) {
      TensorData a = rand(r, shape);
      TensorData b = rand(r, shape);
      check((g, in) -> NnOps.mse(in.get(0), in.get(1)), a, b);
      double[] d = Ref.binary(a, b, (x, y) -> (x - y) * (x - y));
      assertClose(new double[] {sum(d) / d.length},
          OrtEval.forward((g, in) -> NnOps.mse(in.get(0), in.get(1)), a, b), 1e-15, TOL);
    }
  }

  @Test
  void argumentValidation() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor logits = g.input("l", DType.FLOAT64, Shape.of(4, 3));
    Tensor tf = g.input("tf", DType.FLOAT64, Shape.of(4));
    Tensor t2 = g.input("t2", DType.INT64, Shape.of(4, 1));
    Tensor t5 = g.input("t5", DType.INT64, Shape.of(5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NnOps.crossEntropy(logits, tf));
    assertTrue(e.getMessage().contains("INT64"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NnOps.crossEntropy(logits, t2));
    assertTrue(e.getMessage().contains("one rank less"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NnOps.crossEntropy(logits, t5));
    assertTrue(e.getMessage().contains("dimension 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> NnOps.crossEntropy(logits, g.input("t", DType.INT64, Shape.of(4)), -100, null));
    assertTrue(e.getMessage().contains("MEAN"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NnOps.mse(logits, tf));
    assertTrue(e.getMessage().contains("same shape"), e.getMessage());
  }
}

package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static io.github.mmesid.core.engine.graph.OrtEval.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Inverted dropout: with caller-supplied noise and with its mask made in the graph, forward values
 * and gradients against a plain-Java mask reference (exact up to 1e-15 relative), gradient checks,
 * the inference identity at ratio 0, and argument validation.
 */
class DropoutOpsTest {
  private final SplittableRandom r = new SplittableRandom(23);

  private static double[] dropoutRef(TensorData x, TensorData noise, double ratio) {
    return Ref.binary(x, noise, (v, u) -> u >= ratio ? v / (1 - ratio) : 0);
  }

  @Test
  void masksAndScalesWithExplicitNoise() {
    for (double ratio : new double[] {0.1, 0.5, 0.9}) {
      TensorData x = rand(r, 3, 4);
      TensorData noise = rand(r, 0.0, 1.0, 3, 4);
      assertClose(dropoutRef(x, noise, ratio), OrtEval.forward(
          (g, in) -> NnOps.dropout(in.get(0), ratio, in.get(1)), x, noise), 0, 1e-15);
      check((g, in) -> NnOps.dropout(in.get(0), ratio, in.get(1)), x, noise);
      // d sum(dropout(x)) / dx is the scaled mask.
      assertClose(dropoutRef(Ref.ones(3, 4), noise, ratio), OrtEval.gradients(
          (g, in) -> NnOps.dropout(in.get(0), ratio, in.get(1)), x, noise).get(0), 0, 1e-15);
    }
    // Noise that broadcasts (one mask per column).
    TensorData x = rand(r, 3, 4);
    TensorData noise = rand(r, 0.0, 1.0, 1, 4);
    assertClose(dropoutRef(x, noise, 0.4), OrtEval.forward(
        (g, in) -> NnOps.dropout(in.get(0), 0.4, in.get(1)), x, noise), 0, 1e-15);
  }

  @Test
  void ratioZeroIsTheIdentity() {
    Graph g = new Graph("inf");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("batch", 8));
    Tensor u = g.input("u", DType.FLOAT32, Shape.mixed("batch", 8));
    int before = g.nodeCount();
    assertSame(x, x.dropout(0.0, "noise"));
    assertSame(x, x.dropout(1e-7, "rounds_to_zero"));
    assertSame(x, NnOps.dropout(x, 0.0, u));
    assertEquals(before, g.nodeCount());
    assertEquals(0, g.sources(Tensor.Kind.NOISE_KEY).size(), "ratio 0 declares no noise key");
  }

  /** The in-graph mask's dropout: x * mask / (1 - p), p the realised drop probability. */
  private static double[] inGraphRef(double[] x, long key, String stream, double ratio) {
    double[] mask = RandomOpsTest.refMask(key, stream, x.length, ratio);
    double p = RandomOps.maskRatio(ratio);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = mask[i] * x[i] / (1 - p);
    }
    return y;
  }

  @Test
  void inGraphMaskMatchesTheReferenceForwardAndBackward() {
    Graph g = new Graph("train", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("batch", 5));
    Tensor y = x.dropout(0.25, "drop0");
    assertEquals(1, g.sources(Tensor.Kind.NOISE_KEY).size());
    Tensor loss = y.square().sum(false);
    Tensor gx = Autodiff.gradients(loss, List.of(x)).get(x);
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("y", y);
    outs.put("gx", gx);
    ExportedGraph e = OnnxExporter.export(g, outs);
    assertEquals(List.of(Graph.NOISE_KEY), e.inputs(Tensor.Kind.NOISE_KEY).stream()
        .map(ValueSpec::name).toList());
    TensorData xv = rand(r, 7, 5);
    long key = 0x7777L;
    Map<String, OrtEval.Value> res = OrtEval.run(g, outs, Map.of("x", xv,
        Graph.NOISE_KEY, TensorData.ofLongs(new long[0], key)));
    double[] yRef = inGraphRef(xv.toDoubles(), key, "drop0", 0.25);
    assertClose(yRef, res.get("y"), 0, 1e-15);
    // d sum(y^2)/dx = 2 y * mask / (1 - p) = 2 y / (1 - p) where kept.
    double[] gRef = new double[yRef.length];
    for (int i = 0; i < gRef.length; i++) {
      gRef[i] = 2 * yRef[i] / (1 - RandomOps.maskRatio(0.25));
    }
    assertClose(gRef, res.get("gx"), 0, 1e-14);
  }

  @Test
  void inGraphDropoutPassesTheGradientCheck() {
    // The checker feeds one noise key to every evaluation, so the mask is fixed.
    for (double ratio : new double[] {0.1, 0.5, 0.9}) {
      TensorData x = rand(r, 4, 6);
      check((g, in) -> in.get(0).dropout(ratio, "d").tanh(), x);
    }
    // Two sites on one tensor (independent masks), and an anonymous shape.
    check((g, in) -> in.get(0).dropout(0.3, "a").mul(in.get(0).reshape(-1).dropout(0.3, "b")
        .reshape(3, 5)), rand(r, 3, 5));
  }

  @Test
  void keepsTheExpectationOnLargeSamples() {
    int n = 20000;
    double ratio = 0.3;
    TensorData ones = Ref.ones(n);
    TensorData noise = rand(r, 0.0, 1.0, n);
    OrtEval.Value y = OrtEval.forward((g, in) -> NnOps.dropout(in.get(0), ratio, in.get(1)),
        ones, noise);
    double mean = 0;
    int dropped = 0;
    for (double v : y.values()) {
      mean += v / n;
      dropped += v == 0 ? 1 : 0;
    }
    // Bernoulli(0.7) / 0.7 has sd 0.65; 5 standard errors over 20000 draws is 0.023.
    assertEquals(1.0, mean, 0.023);
    assertEquals(ratio, dropped / (double) n, 0.017);
  }

  @Test
  void float32Dropout() {
    TensorData x = TensorData.ofReals(DType.FLOAT32, new long[] {2, 3},
        rand(r, 2, 3).toDoubles());
    TensorData noise = TensorData.ofReals(DType.FLOAT32, new long[] {2, 3},
        rand(r, 0.0, 1.0, 2, 3).toDoubles());
    assertClose(dropoutRef(x, noise, 0.5), OrtEval.forward(
        (g, in) -> NnOps.dropout(in.get(0), 0.5, in.get(1)), x, noise), 0, 1e-7);
  }

  @Test
  void argumentValidation() {
    Graph g = new Graph("bad");
    Tensor x = g.input("x", DType.FLOAT32, Shape.of(2, 3));
    for (double bad : new double[] {1.0, -0.1, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> x.dropout(bad, "n" + Math.abs(bad)));
      assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
    }
    Tensor n64 = g.input("n64", DType.FLOAT64, Shape.of(2, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NnOps.dropout(x, 0.1, n64));
    assertTrue(e.getMessage().contains("dtype"), e.getMessage());
    Tensor big = g.input("big", DType.FLOAT32, Shape.of(4, 2, 3));
    e = assertThrows(IllegalArgumentException.class, () -> NnOps.dropout(x, 0.1, big));
    assertTrue(e.getMessage().contains("broadcasts to"), e.getMessage());
    x.dropout(0.1, "twice");
    e = assertThrows(IllegalArgumentException.class, () -> x.dropout(0.1, "twice"));
    assertTrue(e.getMessage().contains("Duplicate random stream name"), e.getMessage());
  }
}

package io.github.mmesid.core.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Structural and numerical tests of reverse-mode differentiation and export. */
class AutodiffTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private static Map<String, double[]> run(ExportedGraph e, Map<String, double[]> in,
      Map<String, long[]> shapes) throws Exception {
    try (OrtSession s = ENV.createSession(e.toByteArray(), new OrtSession.SessionOptions())) {
      Map<String, OnnxTensor> feeds = new HashMap<>();
      for (Map.Entry<String, double[]> kv : in.entrySet()) {
        if (!s.getInputNames().contains(kv.getKey())) {
          continue; // pruned: the outputs do not depend on it
        }
        feeds.put(kv.getKey(), OnnxTensor.createTensor(ENV, DoubleBuffer.wrap(kv.getValue()),
            shapes.get(kv.getKey())));
      }
      Map<String, double[]> out = new HashMap<>();
      try (OrtSession.Result r = s.run(feeds)) {
        for (var kv : r) {
          DoubleBuffer b = ((OnnxTensor) kv.getValue()).getDoubleBuffer();
          double[] d = new double[b.remaining()];
          b.get(d);
          out.put(kv.getKey(), d);
        }
      } finally {
        feeds.values().forEach(OnnxTensor::close);
      }
      return out;
    }
  }

  @Test
  void gradientOfReusedTensorAccumulates() throws Exception {
    Graph g = new Graph("reuse", DType.FLOAT64);
    Tensor x = g.parameter("x", TensorData.ofDoubles(new long[] {3}, 1, 2, 3));
    // L = sum(x*x + 3x) -> dL/dx = 2x + 3
    Tensor loss = x.mul(x).add(x.mul(3.0)).sum(false);
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("loss", loss);
    outs.put("gx", Autodiff.gradients(loss, List.of(x)).get(x));
    Map<String, double[]> r = run(OnnxExporter.export(g, outs),
        Map.of("x", new double[] {1, 2, 3}), Map.of("x", new long[] {3}));
    assertArrayEquals(new double[] {5, 7, 9}, r.get("gx"), 1e-12);
    assertEquals(1 + 4 + 9 + 18, r.get("loss")[0], 1e-12);
  }

  @Test
  void stopGradientMakesStraightThroughEstimator() throws Exception {
    Graph g = new Graph("ste", DType.FLOAT64);
    Tensor z = g.parameter("z", TensorData.ofDoubles(new long[] {2}, 0.3, -0.7));
    Tensor q = z.mul(2.0).add(1.0).relu(); // a non-identity "quantizer"
    Tensor zq = z.add(q.sub(z).stopGradient()); // value q, gradient identity w.r.t. z
    Tensor loss = zq.mul(zq).sum(false);
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("zq", zq);
    outs.put("gz", Autodiff.gradients(loss, List.of(z)).get(z));
    Map<String, double[]> r = run(OnnxExporter.export(g, outs),
        Map.of("z", new double[] {0.3, -0.7}), Map.of("z", new long[] {2}));
    assertArrayEquals(new double[] {1.6, 0}, r.get("zq"), 1e-12);
    // dL/dz = 2 * zq (identity through the straight-through path)
    assertArrayEquals(new double[] {3.2, 0}, r.get("gz"), 1e-12);
  }

  @Test
  void unusedParameterGetsZerosAndFrozenGetsNoNodes() throws Exception {
    Graph g = new Graph("prune", DType.FLOAT64);
    Tensor w = g.parameter("w", TensorData.ofDoubles(new long[] {2}, 1, 2));
    Tensor unused = g.parameter("unused", TensorData.ofDoubles(new long[] {2, 2}, 1, 2, 3, 4));
    Tensor f = g.frozen("f", TensorData.ofDoubles(new long[] {2}, 10, 20));
    Tensor loss = w.mul(f).sum(false);
    int before = g.nodeCount();
    Map<Tensor, Tensor> gr = Autodiff.gradients(loss, List.of(w, unused));
    // Only the path through w is differentiated: nothing computes a gradient for f.
    for (Node n : g.nodes().subList(before, g.nodeCount())) {
      assertFalse(n.outputs().stream().anyMatch(o -> o.shape().equals(f.shape())
          && n.opType().equals("Mul") && n.inputs().contains(w)),
          "no gradient node should multiply by w (that would be df)");
    }
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("gw", gr.get(w));
    outs.put("gu", gr.get(unused));
    ExportedGraph e = OnnxExporter.export(g, outs);
    Map<String, double[]> r = run(e, Map.of("w", new double[] {1, 2},
        "unused", new double[] {1, 2, 3, 4}), Map.of("w", new long[] {2}, "unused",
        new long[] {2, 2}));
    assertArrayEquals(new double[] {10, 20}, r.get("gw"), 1e-12);
    assertArrayEquals(new double[] {0, 0, 0, 0}, r.get("gu"), 0);
    assertFalse(e.inputs().stream().anyMatch(v -> v.name().equals("unused")),
        "a parameter the outputs do not read is pruned from the inputs");
  }

  @Test
  void exportPrunesAndDeclaresKinds() {
    Graph g = new Graph("kinds");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("batch", 4));
    Tensor w = g.parameter("w", TensorData.ofFloats(new long[] {4, 2}, new float[8]));
    Tensor big = g.frozen("big", TensorData.ofFloats(new long[] {512, 1024},
        new float[512 * 1024]));
    Tensor small = g.frozen("small", TensorData.ofFloats(new long[] {2}, 1, 2));
    Tensor y = x.matmul(w).add(small);
    x.matmul(big.reshape(4, -1)); // not needed for y: must be pruned
    ExportedGraph e = OnnxExporter.export(g, Map.of("y", y));
    List<String> inputNames = e.inputs().stream().map(ValueSpec::name).toList();
    assertEquals(List.of("x", "w"), inputNames);
    assertTrue(e.externalValues().isEmpty());
    OnnxMl.GraphProto gp = e.model().getGraph();
    // MatMul and Add, whose output is renamed "y" (no Identity copy).
    assertEquals(2, gp.getNodeCount(), "only MatMul and Add remain: " + gp.getNodeList());
    assertEquals("batch", gp.getInput(0).getType().getTensorType().getShape().getDim(0)
        .getDimParam());
    // A large frozen weight that is needed stays out of the protobuf.
    ExportedGraph e2 = OnnxExporter.export(g, Map.of("z", x.matmul(big.reshape(4, -1))));
    assertTrue(e2.externalValues().containsKey("big"));
    assertTrue(e2.toByteArray().length < 10_000, "protobuf must not embed the 2 MiB weight");
    // Inference export embeds parameters.
    ExportedGraph e3 = OnnxExporter.export(g, Map.of("y", y), ExportOptions.inference());
    assertEquals(List.of("x"), e3.inputs().stream().map(ValueSpec::name).toList());
  }

  @Test
  void badArgumentsHaveClearErrors() {
    Graph g = new Graph("bad");
    Tensor a = g.input("a", DType.FLOAT32, Shape.of(2, 3));
    Tensor b = g.input("b", DType.FLOAT32, Shape.of(4, 5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
    assertTrue(e.getMessage().contains("inner dimensions"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
    assertTrue(e.getMessage().contains("cannot be broadcast"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> g.input("a", DType.FLOAT32,
        Shape.of(1)));
    assertTrue(e.getMessage().contains("Duplicate"), e.getMessage());
    Tensor nonScalar = a.relu();
    e = assertThrows(IllegalArgumentException.class,
        () -> Autodiff.gradients(nonScalar, List.of(a)));
    assertTrue(e.getMessage().contains("scalar"), e.getMessage());
    Graph other = new Graph("other");
    Tensor c = other.input("c", DType.FLOAT32, Shape.of(2, 3));
    e = assertThrows(IllegalArgumentException.class, () -> a.add(c));
    assertTrue(e.getMessage().contains("different graphs"), e.getMessage());
  }

  @Test
  void symbolicBatchGradientRunsForAnyBatchSize() throws Exception {
    Graph g = new Graph("sym", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("B", 2));
    Tensor w = g.parameter("w", TensorData.ofDoubles(new long[] {2, 1}, 0.5, -1));
    Tensor b = g.parameter("b", TensorData.ofDoubles(new long[] {1}, 0.25));
    Tensor loss = x.matmul(w).add(b).mean(false);
    List<Tensor> gr = Autodiff.gradientList(loss, List.of(w, b));
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("gw", gr.get(0));
    outs.put("gb", gr.get(1));
    ExportedGraph e = OnnxExporter.export(g, outs);
    for (int batch : new int[] {1, 3}) {
      double[] xv = new double[batch * 2];
      double s0 = 0;
      double s1 = 0;
      for (int i = 0; i < xv.length; i++) {
        xv[i] = i + 1;
        if (i % 2 == 0) {
          s0 += xv[i];
        } else {
          s1 += xv[i];
        }
      }
      Map<String, double[]> r = run(e, Map.of("x", xv, "w", new double[] {0.5, -1}, "b",
          new double[] {0.25}), Map.of("x", new long[] {batch, 2}, "w", new long[] {2, 1}, "b",
          new long[] {1}));
      assertArrayEquals(new double[] {s0 / batch, s1 / batch}, r.get("gw"), 1e-12);
      assertArrayEquals(new double[] {1}, r.get("gb"), 1e-12);
    }
  }

  @Test
  void reductionGradientsBroadcastInsteadOfBeingExpanded() throws Exception {
    // LayerNorm's two means: their gradients are [B, T, 1], broadcast by the Add that sums the
    // gradient parts and by the products of the Mul / Div rules, with no Expand to [B, T, D].
    Graph g = new Graph("ln", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("B", "T", 4));
    Tensor w = g.input("w", DType.FLOAT64, Shape.of(4));
    Tensor b = g.input("b", DType.FLOAT64, Shape.of(4));
    Tensor y = Layers.layerNorm(x, w, b, 1e-5);
    Tensor loss = y.mul(y).sum(false);
    List<Tensor> grads = Autodiff.gradientList(loss, List.of(x, w, b));
    ExportedGraph e = OnnxExporter.export(g,
        Map.of("gx", grads.get(0), "gw", grads.get(1), "gb", grads.get(2)));
    // The one Expand left makes the loss's seed gradient (a scalar 1).
    List<String> expanded = e.model().getGraph().getNodeList().stream()
        .filter(n -> n.getOpType().equals("Expand")).map(n -> n.getInput(0)).toList();
    assertEquals(1, expanded.size(), "Expand nodes in the LayerNorm gradient: " + expanded);
    // Values: against central differences of the same graph's loss in plain Java.
    double[] xv = new double[2 * 3 * 4];
    for (int i = 0; i < xv.length; i++) {
      xv[i] = Math.sin(1.7 * i) + 0.1 * i;
    }
    double[] wv = {0.5, -1.2, 0.9, 1.4};
    double[] bv = {0.1, 0.0, -0.3, 0.2};
    Map<String, long[]> shapes = Map.of("x", new long[] {2, 3, 4}, "w", new long[] {4}, "b",
        new long[] {4});
    Map<String, double[]> out = run(e, Map.of("x", xv, "w", wv, "b", bv), shapes);
    double h = 1e-6;
    for (int i = 0; i < xv.length; i++) {
      double[] plus = xv.clone();
      double[] minus = xv.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd = (lnSquares(plus, wv, bv) - lnSquares(minus, wv, bv)) / (2 * h);
      assertEquals(fd, out.get("gx")[i], 1e-7, "d loss / d x[" + i + "]");
    }
  }

  /** sum(LayerNorm(x)^2) over rows of 4, eps 1e-5, in plain Java. */
  private static double lnSquares(double[] x, double[] w, double[] b) {
    double total = 0;
    for (int r = 0; r < x.length / 4; r++) {
      double mean = 0;
      for (int k = 0; k < 4; k++) {
        mean += x[r * 4 + k] / 4;
      }
      double var = 0;
      for (int k = 0; k < 4; k++) {
        var += (x[r * 4 + k] - mean) * (x[r * 4 + k] - mean) / 4;
      }
      for (int k = 0; k < 4; k++) {
        double y = (x[r * 4 + k] - mean) / Math.sqrt(var + 1e-5) * w[k] + b[k];
        total += y * y;
      }
    }
    return total;
  }
}

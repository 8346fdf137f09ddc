package io.github.mmesid.core.engine.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportOptions;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.OptimizerGraph;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Device-check cases: self-contained models (frozen weights inlined), symbolic sizes bound from
 * the inputs, and the optimizer graphs (every one with CUDA kernels, matching a plain-Java SGD
 * update).
 */
class DeviceCheckCaseTest {
  private static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();

  @Test
  void frozenWeightsKeptOutOfTheModelAreInlined() {
    for (boolean asInitializers : new boolean[] {false, true}) {
      Graph g = new Graph("frozen_case");
      Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 3L));
      float[] w = new float[3 * 2];
      for (int i = 0; i < w.length; i++) {
        w[i] = i + 1;
      }
      ByteBuffer b = ByteBuffer.allocateDirect(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(w);
      Tensor wt = g.frozen("w", TensorData.wrap(DType.FLOAT32, new long[] {3, 2}, b));
      ExportedGraph e = OnnxExporter.export(g, Map.of("y", x.matmul(wt)),
          new ExportOptions(false, 0, ExportOptions.DEFAULT_OPSET, asInitializers));
      assertEquals(1, e.externalValues().size());
      Map<String, TensorData> in = new java.util.LinkedHashMap<>();
      in.put("x", TensorData.ofFloats(new long[] {2, 3}, 1, 0, 0, 0, 1, 1));
      if (!asInitializers) {
        in.put("w", e.externalValues().get("w"));
      }
      DeviceCheckCase c = new DeviceCheckCase("frozen", e, g, in);
      assertEquals(Map.of("B", 2L), c.dims());
      assertEquals(List.of("x"), List.copyOf(c.inputs().keySet()), "the weight is inlined");
      assertEquals(List.of("x"), c.selfContained().getGraph().getInputList().stream()
          .map(v -> v.getName()).toList());
      Map<String, TensorData> out = new DeviceCheckCase("frozen", e, g,
          Map.of("x", in.get("x"))).run(ONE);
      assertArrayEquals(new float[] {1, 2, 8, 10}, out.get("y").toFloats());
    }
  }

  @Test
  void missingInputsAndBadNamesAreRefused() {
    Graph g = new Graph("g");
    Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
    ExportedGraph e = OnnxExporter.export(g, Map.of("y", x.exp()));
    IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
        () -> new DeviceCheckCase("c", e, g, Map.of()));
    assertTrue(m.getMessage().contains("no value for inputs [x]"), m.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DeviceCheckCase("a b", e, g,
        Map.of("x", TensorData.ofFloats(new long[] {2}, 1, 2))));
  }

  @Test
  void ofOutputsExportsTheOutputsGraph() {
    Graph g = new Graph("g");
    Tensor x = g.input("x", DType.FLOAT32, Shape.of(2));
    ParameterSnapshot none = new ParameterSnapshot(Map.of());
    Map<String, TensorData> in = Map.of("x", TensorData.ofFloats(new long[] {2}, 1, 2));
    DeviceCheckCase c = DeviceCheckCase.ofOutputs("exp", Map.of("y", x.exp()), none, false, in);
    assertEquals(g, c.graph());
    assertEquals(List.of("y"), c.exported().model().getGraph().getOutputList().stream()
        .map(o -> o.getName()).toList());
    IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
        () -> DeviceCheckCase.ofOutputs("none", Map.of(), none, false, in));
    assertTrue(m.getMessage().contains("at least one output"), m.getMessage());
  }

  @Test
  void optimizerCasesHaveCudaKernelsAndSgdMatchesTheUpdateRule() {
    List<DeviceCheckCase> cases = DeviceCheckCase.optimizerCases();
    assertEquals(7, cases.size());
    for (DeviceCheckCase c : cases) {
      DeviceCheckCase.Audit a = c.audit(List.of());
      assertEquals(List.of(), a.violations(), a.report().describe());
      assertTrue(a.report().nodes().size() >= 5, a.report().describe());
    }
    // plain SGD: w' = w - lr * gradScale * g
    DeviceCheckCase sgd = cases.get(0);
    Map<String, TensorData> out = sgd.run(ONE);
    float[] w = sgd.inputs().get(OptimizerGraph.paramInput("w")).toFloats();
    float[] gr = sgd.inputs().get(OptimizerGraph.gradInput("w")).toFloats();
    float[] got = out.get(OptimizerGraph.outputOf(OptimizerGraph.paramInput("w"))).toFloats();
    for (int i = 0; i < w.length; i++) {
      assertEquals(w[i] - 1e-2 * 0.5 * gr[i], got[i], 1e-6, "element " + i);
    }
  }
}

package io.github.mmesid.core.engine.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.optim.OptimizerGraph;
import io.github.mmesid.core.engine.optim.ParamSpec;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelAudit} on hand-made models (each outcome), and the audit of the optimizer graphs
 * and a trainer's gradient graph against ONNX Runtime 1.29's CUDA kernels: every node must have
 * a CUDA kernel for its element types.
 */
class KernelAuditTest {
  private static final int OPSET = 21;

  private static OnnxMl.ValueInfoProto value(String name, int elemType, long... dims) {
    OnnxMl.TensorShapeProto.Builder sp = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : dims) {
      sp.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(sp)))
        .build();
  }

  private static OnnxMl.NodeProto node(String name, String op, List<String> ins,
      List<String> outs) {
    return OnnxMl.NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(ins)
        .addAllOutput(outs).build();
  }

  private static OnnxMl.ModelProto model(OnnxMl.GraphProto.Builder g) {
    return OnnxMl.ModelProto.newBuilder().setIrVersion(10).setGraph(g)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .build();
  }

  @Test
  void classifiesKernelsTypesAndUnknowns() {
    final int f32 = 1;
    final int i64 = 7;
    final int bool = 9;
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("hand")
        .addInput(value("x", f32, 2, 3)).addInput(value("c", bool, 2, 3))
        .addInput(value("i", i64, 2, 3))
        // float Add: kernel
        .addNode(node("add", "Add", List.of("x", "x"), List.of("s")))
        // Where on bool values: CUDA's Where has no bool kernel
        .addNode(node("where", "Where", List.of("c", "c", "c"), List.of("w")))
        // int64 MatMul: CUDA's MatMul is floating point only
        .addNode(node("mm", "MatMul", List.of("i", "i"), List.of("m")))
        // Mean: no CUDA kernel at all
        .addNode(node("mean", "Mean", List.of("x", "s"), List.of("avg")))
        // Shape's output type is inferred (int64), its consumer Cast to float
        .addNode(node("shape", "Shape", List.of("avg"), List.of("sh")))
        .addNode(OnnxMl.NodeProto.newBuilder().setName("cast").setOpType("Cast").addInput("sh")
            .addOutput("shf").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(f32)).build())
        // an input nobody declared: type unknown
        .addNode(node("neg", "Neg", List.of("mystery"), List.of("n")))
        .addOutput(value("w", bool, 2, 3)).addOutput(value("m", i64, 2, 2))
        .addOutput(value("shf", f32, 2)).addOutput(value("n", f32, 2, 3));
    KernelAudit.Report r = KernelAudit.audit(model(g));
    Map<String, KernelAudit.NodeCheck> by = new java.util.HashMap<>();
    r.nodes().forEach(c -> by.put(c.node(), c));
    assertEquals(KernelAudit.Status.OK, by.get("add").status());
    assertEquals(KernelAudit.Status.UNSUPPORTED_TYPES, by.get("where").status());
    assertTrue(by.get("where").detail().contains("got bool"), by.get("where").detail());
    assertEquals(KernelAudit.Status.UNSUPPORTED_TYPES, by.get("mm").status());
    assertEquals(KernelAudit.Status.NO_KERNEL, by.get("mean").status());
    assertEquals(KernelAudit.Status.OK, by.get("shape").status());
    assertEquals("int64", by.get("shape").outputs().get(0).elementType());
    assertEquals(KernelAudit.Status.OK, by.get("cast").status());
    assertEquals(KernelAudit.Status.UNKNOWN_TYPES, by.get("neg").status());
    assertEquals(List.of("where", "mm", "mean", "neg"),
        r.failures().stream().map(KernelAudit.NodeCheck::node).toList());
    assertTrue(r.describe().startsWith("hand: 7 nodes, 4 without a kernel"), r.describe());
    // Where moves its three bool inputs and its output: 4 * 6 bytes
    assertEquals(24, by.get("where").bytesMoved(n -> new long[] {2, 3}));
    assertThrows(IllegalArgumentException.class, () -> by.get("neg").bytesMoved(n -> null));
  }

  @Test
  void constantsNeedNoKernelAndTypeTheirConsumers() {
    OnnxMl.TensorProto two = OnnxMl.TensorProto.newBuilder().setDataType(7).addInt64Data(2)
        .build();
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("consts")
        .addNode(OnnxMl.NodeProto.newBuilder().setName("c").setOpType("Constant").addOutput("k")
            .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("value")
                .setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(two)).build())
        .addNode(node("sq", "Mul", List.of("k", "k"), List.of("k2")))
        .addOutput(value("k2", 7));
    KernelAudit.Report r = KernelAudit.audit(model(g));
    assertEquals(List.of(), r.failures(), r.describe());
    assertEquals("int64", r.nodes().get(1).inputs().get(0).elementType());
  }

  @Test
  void allowListNeedsAReasonAndTheExactBytes() {
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("allow")
        .addInput(value("c", 9, 2, 3)).addInput(value("i", 7, 2, 3))
        .addNode(node("where", "Where", List.of("c", "c", "c"), List.of("w")))
        .addNode(node("mm", "MatMul", List.of("i", "i"), List.of("m")))
        .addNode(node("mean", "Mean", List.of("i", "i"), List.of("avg")))
        .addOutput(value("w", 9, 2, 3)).addOutput(value("m", 7, 2, 2))
        .addOutput(value("avg", 7, 2, 3));
    KernelAudit.Report r = KernelAudit.audit(model(g));
    java.util.function.Function<String, long[]> shapes =
        n -> n.equals("m") ? new long[] {2, 2} : new long[] {2, 3};
    List<KernelAudit.Allowance> allow = List.of(
        new KernelAudit.Allowance("allow", "Where", "test: bool select", 24),
        new KernelAudit.Allowance("allow", "MatMul", "test: int64 product", 1),
        new KernelAudit.Allowance("allow", "Abs", "test: stale", 0),
        new KernelAudit.Allowance("other_graph", "Mean", "another graph's entry", 0));
    List<String> v = KernelAudit.violations(r, allow, shapes);
    // MatMul moves two int64 [2,3] inputs and an int64 [2,2] output: 2 * 48 + 32 bytes
    assertEquals(List.of(
        "allow: " + r.nodes().get(2).describe(),
        "allow: the MatMul nodes move 128 bytes per run at the audited sizes, the allowance "
            + "states 1",
        "allow: allowance for Abs matches no node without a kernel; remove it"), v);
    assertThrows(IllegalArgumentException.class,
        () -> new KernelAudit.Allowance("g", "Where", " ", 0));
  }

  @Test
  void shapesOfAnExportedGraphBindTheSymbolicDimensions() {
    Graph g = new Graph("shapes");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 3));
    Tensor h = x.exp();
    io.github.mmesid.core.engine.graph.ExportedGraph e =
        io.github.mmesid.core.engine.graph.OnnxExporter.export(g, Map.of("out", h.sum(false, 1)));
    java.util.function.Function<String, long[]> s = KernelAudit.shapes(g, e, Map.of("B", 5L));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {5, 3}, s.apply(h.name()));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {5}, s.apply("out"));
    assertEquals(null, s.apply("nope"));
    assertEquals(null, KernelAudit.shapes(g, e, Map.of()).apply(h.name()), "B unbound");
  }

  @Test
  void optimizerGraphsHaveCudaKernels() {
    List<ParamSpec> params = List.of(
        new ParamSpec("w", DType.FLOAT32, Shape.of(4, 3)),
        new ParamSpec("b", DType.FLOAT32, Shape.of(4)));
    List<Optimizer> optimizers = List.of(
        Optimizer.sgd(0.1),
        Optimizer.sgd(0.1).withMomentum(0.9, true).withWeightDecay(1e-4),
        Optimizer.sgd(0.1).withMaxGradNorm(1.0),
        Optimizer.adam(1e-3),
        Optimizer.adam(1e-3).withWeightDecay(1e-2).withMaxGradNorm(1.0),
        Optimizer.adamW(1e-3).withWeightDecay(1e-2),
        Optimizer.adamW(1e-3).withWeightDecay(1e-2).withMaxGradNorm(0.5)
            .withDecayFilter(n -> !n.equals("b")));
    for (Optimizer o : optimizers) {
      for (boolean norm : new boolean[] {false, true}) {
        KernelAudit.Report r = KernelAudit.audit(OptimizerGraph.build(o, params, norm)
            .exported().model());
        assertEquals(List.of(), r.failures(), o.name() + ": " + r.describe());
      }
    }
  }

  @Test
  void trainerGradientGraphOfAnMlpHasCudaKernels() {
    Graph g = new Graph("audit_mlp");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 3));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 1));
    Tensor w1 = g.parameter("l1.weight",
        Initializers.linearWeight().create(1, "l1.weight", DType.FLOAT32, 8, 3));
    Tensor b1 = g.parameter("l1.bias", TensorData.ofFloats(new long[] {8}, new float[8]));
    Tensor w2 = g.parameter("l2.weight",
        Initializers.linearWeight().create(1, "l2.weight", DType.FLOAT32, 1, 8));
    // with dropout: its mask generator is part of the gradient graph
    Tensor loss = NnOps.mse(x.linear(w1, b1).gelu().dropout(0.2, "drop").linear(w2, null), y);
    TrainerConfig cfg = TrainerConfig.builder(1).optimizer(Optimizer.adamW(1e-3)
        .withMaxGradNorm(1.0)).batchSize(4).epochs(1)
        .runtime(RuntimeOptions.builder().intraOpThreads(1).build()).build();
    try (Trainer t = new Trainer(loss, cfg)) {
      assertEquals(List.of(Graph.NOISE_KEY), t.gradientGraph().inputs(Tensor.Kind.NOISE_KEY)
          .stream().map(io.github.mmesid.core.engine.graph.ValueSpec::name).toList());
      for (var e : List.of(t.gradientGraph(), t.optimizerGraph())) {
        KernelAudit.Report r = KernelAudit.audit(e.model());
        assertEquals(List.of(), r.failures(), r.describe());
        assertTrue(r.nodes().size() > 5, r.describe());
      }
    }
  }
}

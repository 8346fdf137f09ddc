package io.github.mmesid.core.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.graph.ValueSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The input/output naming contract of the optimizer graph and its state enumeration. */
class OptimizerGraphContractTest {
  private static final List<ParamSpec> SPECS = List.of(
      new ParamSpec("emb.weight", DType.FLOAT32, Shape.of(5, 3)),
      new ParamSpec("head.bias", DType.FLOAT64, Shape.of(2)));

  private static List<String> names(List<ValueSpec> specs) {
    return specs.stream().map(ValueSpec::name).toList();
  }

  @Test
  void adamWNames() {
    OptimizerGraph og = OptimizerGraph.build(Optimizer.adamW(1e-3).withMaxGradNorm(1.0), SPECS);
    assertEquals(List.of("lr", "step", "gradScale", "p.emb.weight", "g.emb.weight",
        "m.emb.weight", "v.emb.weight", "p.head.bias", "g.head.bias", "m.head.bias",
        "v.head.bias"), names(og.inputs()));
    assertEquals(List.of("p.emb.weight.out", "m.emb.weight.out", "v.emb.weight.out",
        "p.head.bias.out", "m.head.bias.out", "v.head.bias.out", "gradNorm"),
        names(og.outputs()));
    for (ValueSpec v : og.inputs()) {
      if (List.of("lr", "step", "gradScale").contains(v.name())) {
        assertEquals(DType.FLOAT64, v.dtype());
        assertEquals(Shape.SCALAR, v.shape());
      } else {
        ParamSpec p = v.name().endsWith("emb.weight") ? SPECS.get(0) : SPECS.get(1);
        assertEquals(p.dtype(), v.dtype(), v.name());
        assertEquals(p.shape(), v.shape(), v.name());
      }
    }
    Map<String, String> fb = og.outputToInput();
    assertEquals(List.of("p.emb.weight.out", "m.emb.weight.out", "v.emb.weight.out",
        "p.head.bias.out", "m.head.bias.out", "v.head.bias.out"), List.copyOf(fb.keySet()));
    fb.forEach((out, in) -> assertEquals(OptimizerGraph.outputOf(in), out));
    assertTrue(og.hasStepInput());
  }

  @Test
  void sgdNames() {
    OptimizerGraph plain = OptimizerGraph.build(Optimizer.sgd(0.1), SPECS);
    assertEquals(List.of("lr", "gradScale", "p.emb.weight", "g.emb.weight", "p.head.bias",
        "g.head.bias"), names(plain.inputs()));
    assertEquals(List.of("p.emb.weight.out", "p.head.bias.out"), names(plain.outputs()));
    assertTrue(plain.states().isEmpty());
    assertFalse(plain.hasStepInput());
    OptimizerGraph mom = OptimizerGraph.build(Optimizer.sgd(0.1).withMomentum(0.9, false),
        SPECS);
    assertEquals(List.of("lr", "gradScale", "p.emb.weight", "g.emb.weight", "mom.emb.weight",
        "p.head.bias", "g.head.bias", "mom.head.bias"), names(mom.inputs()));
    assertEquals(List.of("p.emb.weight.out", "mom.emb.weight.out", "p.head.bias.out",
        "mom.head.bias.out"), names(mom.outputs()));
  }

  @Test
  void stateEnumerationAndZeros() {
    Optimizer opt = Optimizer.adam(1e-3);
    OptimizerGraph og = OptimizerGraph.build(opt, SPECS);
    assertEquals(OptimizerGraph.statesOf(opt, SPECS), og.states());
    assertEquals(List.of("m.emb.weight", "v.emb.weight", "m.head.bias", "v.head.bias"),
        og.states().stream().map(StateSpec::name).toList());
    List<StateSpec> head = og.states("head.bias");
    assertEquals(2, head.size());
    assertEquals(StateSlot.EXP_AVG, head.get(0).slot());
    assertEquals(StateSlot.EXP_AVG_SQ, head.get(1).slot());
    assertEquals(DType.FLOAT64, head.get(0).dtype());
    Map<String, TensorData> init = og.initialState();
    assertEquals(List.of("m.emb.weight", "v.emb.weight", "m.head.bias", "v.head.bias"),
        List.copyOf(init.keySet()));
    TensorData m = init.get("m.emb.weight");
    assertEquals(DType.FLOAT32, m.dtype());
    assertArrayEquals(new long[] {5, 3}, m.shape());
    assertArrayEquals(new double[15], m.toDoubles());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> og.states("nope"));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("head.bias"),
        e.getMessage());
  }

  @Test
  void specsFromTrainingGraph() {
    Graph g = new Graph("train");
    g.parameter("w", TensorData.ofFloats(new long[] {2, 2}, 1, 2, 3, 4));
    g.input("x", DType.FLOAT32, Shape.mixed("batch", 2));
    g.parameter("b", TensorData.ofFloats(new long[] {2}, 0, 0));
    List<ParamSpec> specs = ParamSpec.allOf(g);
    assertEquals(List.of(new ParamSpec("w", DType.FLOAT32, Shape.of(2, 2)),
        new ParamSpec("b", DType.FLOAT32, Shape.of(2))), specs);
    assertThrows(IllegalArgumentException.class, () -> ParamSpec.of(g.tensor("x")));
  }

  @Test
  void badParametersAreRejected() {
    Optimizer opt = Optimizer.adamW(1e-3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerGraph.build(opt, List.of()));
    assertTrue(e.getMessage().contains("at least one parameter"), e.getMessage());
    ParamSpec a = new ParamSpec("a", DType.FLOAT32, Shape.of(2));
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerGraph.build(opt, List.of(a, a)));
    assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    ParamSpec aOut = new ParamSpec("a.out", DType.FLOAT32, Shape.of(2));
    e = assertThrows(IllegalArgumentException.class,
        () -> OptimizerGraph.build(opt, List.of(a, aOut)));
    assertTrue(e.getMessage().contains("p.a.out") && e.getMessage().contains("a.out"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new ParamSpec("i", DType.INT64, Shape.of(2)));
    assertTrue(e.getMessage().contains("INT64") && e.getMessage().contains("FLOAT32"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new ParamSpec("s", DType.FLOAT32, Shape.mixed("batch", 2)));
    assertTrue(e.getMessage().contains("static"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new ParamSpec("bad name", DType.FLOAT32, Shape.of(2)));
    assertTrue(e.getMessage().contains("bad name"), e.getMessage());
  }
}

package io.github.mmesid.core.engine.optim;

import static io.github.mmesid.core.engine.optim.OptimReference.assertRel;
import static io.github.mmesid.core.engine.optim.OptimReference.simulate;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Per-parameter weight-decay exclusion by a predicate on the parameter name. */
class WeightDecayFilterTest {
  @Test
  void excludeBiasAndNormFilter() {
    Predicate<String> f = Optimizer.excludeBiasAndNorm();
    assertTrue(f.test("fc.weight"));
    assertTrue(f.test("model.layers.0.mlp.gate_proj.lora_A.weight"));
    assertTrue(f.test("bias_table")); // only a last segment equal to "bias" is excluded
    assertFalse(f.test("fc.bias"));
    assertFalse(f.test("model.layers.3.input_layernorm.weight"));
    assertFalse(f.test("norm.weight"));
    assertFalse(f.test("transformer.ln_f.weight"));
    assertFalse(f.test("encoder.LayerNorm.weight"));
  }

  @Test
  void excludedParametersGetNoDecay() throws Exception {
    // With zero gradients only weight decay moves the parameters: AdamW p *= (1 - lr * wd)
    // (the Adam term is 0 / (0 + eps) = 0) for decaying ones; excluded ones stay put.
    List<ParamSpec> specs = List.of(new ParamSpec("fc.weight", DType.FLOAT64, Shape.of(2)),
        new ParamSpec("fc.bias", DType.FLOAT64, Shape.of(2)),
        new ParamSpec("ln.weight", DType.FLOAT64, Shape.of(1)));
    Optimizer opt = Optimizer.adamW(0.1).withWeightDecay(0.5)
        .withDecayFilter(Optimizer.excludeBiasAndNorm());
    OptimizerGraph og = OptimizerGraph.build(opt, specs);
    Map<String, double[]> feeds = new LinkedHashMap<>();
    for (ParamSpec p : specs) {
      feeds.put("p." + p.name(), p.numel() == 2 ? new double[] {2, -4} : new double[] {3});
      feeds.put("g." + p.name(), new double[(int) p.numel()]);
      feeds.put("m." + p.name(), new double[(int) p.numel()]);
      feeds.put("v." + p.name(), new double[(int) p.numel()]);
    }
    feeds.put("lr", new double[] {0.1});
    feeds.put("step", new double[] {1});
    feeds.put("gradScale", new double[] {1});
    Map<String, double[]> out;
    try (OrtOptimRun run = new OrtOptimRun(og)) {
      out = run.run(feeds);
    }
    assertRel("fc.weight", new double[] {2 * 0.95, -4 * 0.95}, out.get("p.fc.weight.out"),
        1e-15);
    assertRel("fc.bias", new double[] {2, -4}, out.get("p.fc.bias.out"), 0);
    assertRel("ln.weight", new double[] {3}, out.get("p.ln.weight.out"), 0);
  }

  @Test
  void filteredDecayMatchesReferenceForEveryOptimizer() throws Exception {
    List<ParamSpec> specs = List.of(new ParamSpec("fc.weight", DType.FLOAT64, Shape.of(3, 2)),
        new ParamSpec("fc.bias", DType.FLOAT64, Shape.of(2)),
        new ParamSpec("final_norm.weight", DType.FLOAT64, Shape.of(2)));
    Predicate<String> f = Optimizer.excludeBiasAndNorm();
    LrSchedule s = LrSchedule.linear(1, 6);
    simulate(Optimizer.adamW(0.05).withWeightDecay(0.2).withDecayFilter(f), specs, s, 5, 1, 1,
        1e-12, 61);
    simulate(Optimizer.adam(0.05).withWeightDecay(0.2).withDecayFilter(f), specs, s, 5, 1, 1,
        1e-12, 62);
    simulate(Optimizer.sgd(0.05).withMomentum(0.5, false).withWeightDecay(0.2)
        .withDecayFilter(f), specs, s, 5, 1, 1, 1e-12, 63);
  }
}

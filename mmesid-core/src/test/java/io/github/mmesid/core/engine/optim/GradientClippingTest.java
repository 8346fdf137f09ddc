package io.github.mmesid.core.engine.optim;

import static io.github.mmesid.core.engine.optim.OptimReference.assertRel;
import static io.github.mmesid.core.engine.optim.OptimReference.simulate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Global-norm clipping and gradient scaling inside the optimizer graph, checked against
 * hand-computed values and the double reference ({@code clip_grad_norm_} semantics: coefficient
 * {@code min(1, max / (norm + 1e-6))}).
 */
class GradientClippingTest {
  private static final List<ParamSpec> TWO = List.of(
      new ParamSpec("a", DType.FLOAT64, Shape.of(2)),
      new ParamSpec("b", DType.FLOAT64, Shape.of(1, 1)));

  /** One plain-SGD step from zeros with lr 1: the new parameters are minus the used gradients. */
  private static Map<String, double[]> sgdStep(double maxGradNorm, double gradScale)
      throws Exception {
    OptimizerGraph og = OptimizerGraph.build(
        Optimizer.sgd(1.0).withMaxGradNorm(maxGradNorm), TWO, true);
    Map<String, double[]> feeds = new LinkedHashMap<>();
    feeds.put("p.a", new double[] {0, 0});
    feeds.put("p.b", new double[] {0});
    feeds.put("g.a", new double[] {3, 4});
    feeds.put("g.b", new double[] {12});
    feeds.put(OptimizerGraph.LR, new double[] {1.0});
    feeds.put(OptimizerGraph.GRAD_SCALE, new double[] {gradScale});
    try (OrtOptimRun run = new OrtOptimRun(og)) {
      return run.run(feeds);
    }
  }

  @Test
  void activeClippingScalesAllGradientsByOneCoefficient() throws Exception {
    // Raw norm sqrt(9 + 16 + 144) = 13; scaled by 0.5: 6.5 > 2, so coef = 2 / (6.5 + 1e-6).
    Map<String, double[]> out = sgdStep(2.0, 0.5);
    double coef = 2.0 / (6.5 + 1e-6);
    assertRel("gradNorm", new double[] {6.5}, out.get("gradNorm"), 1e-15);
    assertRel("p.a.out", new double[] {-1.5 * coef, -2.0 * coef}, out.get("p.a.out"), 1e-14);
    assertRel("p.b.out", new double[] {-6.0 * coef}, out.get("p.b.out"), 1e-14);
  }

  @Test
  void inactiveClippingLeavesScaledGradients() throws Exception {
    // Scaled norm 6.5 < 7: coef = min(1, 7 / 6.500001) = 1.
    Map<String, double[]> out = sgdStep(7.0, 0.5);
    assertRel("gradNorm", new double[] {6.5}, out.get("gradNorm"), 1e-15);
    assertRel("p.a.out", new double[] {-1.5, -2.0}, out.get("p.a.out"), 0);
    assertRel("p.b.out", new double[] {-6.0}, out.get("p.b.out"), 0);
    // No clipping at all, norm reported on request.
    out = sgdStep(Double.POSITIVE_INFINITY, 2.0);
    assertRel("gradNorm", new double[] {26.0}, out.get("gradNorm"), 1e-15);
    assertRel("p.a.out", new double[] {-6.0, -8.0}, out.get("p.a.out"), 0);
  }

  @Test
  void gradNormOutputOnlyWhenClippingOrRequested() {
    OptimizerGraph plain = OptimizerGraph.build(Optimizer.adamW(1e-3), TWO);
    assertFalse(plain.hasGradNorm());
    assertTrue(plain.outputs().stream().noneMatch(v -> v.name().equals("gradNorm")));
    OptimizerGraph clipped = OptimizerGraph.build(Optimizer.adamW(1e-3).withMaxGradNorm(1), TWO);
    assertTrue(clipped.hasGradNorm());
    assertEquals("gradNorm", clipped.outputs().get(clipped.outputs().size() - 1).name());
  }

  @Test
  void clippingInsideAdamWOverSeveralStepsMatchesReference() throws Exception {
    List<ParamSpec> specs = List.of(new ParamSpec("w", DType.FLOAT64, Shape.of(4, 3)),
        new ParamSpec("u", DType.FLOAT64, Shape.of(5)));
    // Gradients of size ~0.6 per element over 17 elements: norm ~2.5 * gradScale, above 0.3
    // (clipping active every step) and below 100 (inactive).
    simulate(Optimizer.adamW(0.01).withMaxGradNorm(0.3), specs, LrSchedule.constant(), 6, 0.5,
        1.0, 1e-12, 51);
    simulate(Optimizer.adamW(0.01).withMaxGradNorm(100), specs, LrSchedule.constant(), 6, 0.5,
        1.0, 1e-12, 52);
    simulate(Optimizer.sgd(0.1).withMomentum(0.9, true).withMaxGradNorm(0.3), specs,
        LrSchedule.constant(), 6, 0.5, 1.0, 1e-12, 53);
    specs = List.of(new ParamSpec("w", DType.FLOAT32, Shape.of(4, 3)));
    simulate(Optimizer.adam(0.01).withMaxGradNorm(0.3), specs, LrSchedule.constant(), 6, 0.5,
        1.0, 1e-6, 54);
  }
}

package io.github.mmesid.core.engine.optim;

import static io.github.mmesid.core.engine.optim.OptimReference.simulate;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AdamW, Adam and SGD (plain, momentum, Nesterov) updates run through ONNX Runtime equal a plain
 * Java double reference over several steps: relative tolerance 1e-12 for float64 parameters and
 * 1e-6 for float32 ones (whose elementwise arithmetic runs in float32).
 */
class OptimizerUpdateTest {
  private static final double F64 = 1e-12;
  private static final double F32 = 1e-6;
  private static final LrSchedule SCHED = LrSchedule.cosine(2, 8, 0.1);

  private static List<ParamSpec> specs(DType dt) {
    return List.of(new ParamSpec("enc.0.weight", dt, Shape.of(3, 4)),
        new ParamSpec("enc.0.bias", dt, Shape.of(4)),
        new ParamSpec("scale", dt, Shape.SCALAR));
  }

  @Test
  void adamWMatchesReference() throws Exception {
    Optimizer opt = Optimizer.adamW(0.05).withWeightDecay(0.1);
    simulate(opt, specs(DType.FLOAT64), SCHED, 7, 0.5, 1.0, F64, 11);
    simulate(opt, specs(DType.FLOAT32), SCHED, 7, 0.5, 1.0, F32, 12);
    // Other betas/eps, constant lr.
    Optimizer other = Optimizer.adamW(0.01).withBetas(0.8, 0.95).withEps(1e-6)
        .withWeightDecay(0.3);
    simulate(other, specs(DType.FLOAT64), LrSchedule.constant(), 6, 1.0, 1e-2, F64, 13);
  }

  @Test
  void adamWithL2MatchesReference() throws Exception {
    Optimizer opt = Optimizer.adam(0.02).withWeightDecay(0.01);
    simulate(opt, specs(DType.FLOAT64), SCHED, 7, 0.25, 1.0, F64, 21);
    simulate(opt, specs(DType.FLOAT32), SCHED, 7, 0.25, 1.0, F32, 22);
  }

  @Test
  void sgdMomentumMatchesReference() throws Exception {
    Optimizer.Sgd mom = Optimizer.sgd(0.03).withMomentum(0.9, false).withWeightDecay(0.05);
    simulate(mom, specs(DType.FLOAT64), SCHED, 6, 0.5, 1.0, F64, 31);
    simulate(mom, specs(DType.FLOAT32), SCHED, 6, 0.5, 1.0, F32, 32);
    Optimizer.Sgd nesterov = mom.withMomentum(0.8, true);
    simulate(nesterov, specs(DType.FLOAT64), SCHED, 6, 1.0, 1.0, F64, 33);
    simulate(nesterov, specs(DType.FLOAT32), SCHED, 6, 1.0, 1.0, F32, 34);
    simulate(Optimizer.sgd(0.1), specs(DType.FLOAT64), LrSchedule.linear(1, 5), 5, 1.0, 1.0,
        F64, 35);
  }

  @Test
  void mixedDtypeParametersShareOneGraph() throws Exception {
    List<ParamSpec> mixed = List.of(new ParamSpec("a", DType.FLOAT64, Shape.of(2, 3)),
        new ParamSpec("b", DType.FLOAT32, Shape.of(5)));
    Optimizer opt = Optimizer.adamW(0.01).withMaxGradNorm(0.5);
    simulate(opt, mixed, SCHED, 5, 1.0, 1.0, F32, 41);
    OptimizerGraph og = OptimizerGraph.build(opt, mixed);
    Map<String, DType> types = new HashMap<>();
    og.outputs().forEach(v -> types.put(v.name(), v.dtype()));
    assertEquals(DType.FLOAT64, types.get("p.a.out"));
    assertEquals(DType.FLOAT32, types.get("v.b.out"));
    assertEquals(DType.FLOAT64, types.get(OptimizerGraph.GRAD_NORM));
  }
}

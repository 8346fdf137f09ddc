package io.github.mmesid.core.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Validation and defaults of the optimizer configurations. */
class OptimizerConfigTest {
  private static void rejects(Executable e, String... fragments) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    for (String f : fragments) {
      assertTrue(ex.getMessage().contains(f),
          () -> "message '" + ex.getMessage() + "' lacks '" + f + "'");
    }
  }

  @Test
  void defaultsFollowPyTorch() {
    Optimizer.Adam w = Optimizer.adamW(1e-3);
    assertEquals(0.9, w.beta1());
    assertEquals(0.999, w.beta2());
    assertEquals(1e-8, w.eps());
    assertEquals(0.01, w.weightDecay());
    assertFalse(w.clips());
    assertTrue(w.decays("anything"));
    assertEquals(List.of(StateSlot.EXP_AVG, StateSlot.EXP_AVG_SQ), w.stateSlots());
    assertTrue(w.decoupled());
    assertEquals("AdamW", w.name());
    Optimizer.Adam a = Optimizer.adam(1e-3);
    assertFalse(a.decoupled());
    assertEquals("Adam", a.name());
    assertEquals(w.withWeightDecay(0), a.withDecoupled(true));
    assertEquals(0.0, a.weightDecay());
    assertFalse(a.decays("w"));
    Optimizer.Sgd s = Optimizer.sgd(0.1);
    assertEquals(List.of(), s.stateSlots());
    assertEquals(List.of(StateSlot.MOMENTUM), s.withMomentum(0.9, true).stateSlots());
    assertTrue(s.withMaxGradNorm(1.0).clips());
    assertEquals("mom.x.y", StateSlot.MOMENTUM.stateName("x.y"));
  }

  @Test
  void withersKeepOtherFields() {
    Optimizer.Adam w = Optimizer.adamW(1e-3).withBetas(0.8, 0.9).withEps(1e-6);
    Optimizer.Adam w2 = w.withLr(5e-4).withWeightDecay(0.1).withMaxGradNorm(2);
    assertEquals(0.8, w2.beta1());
    assertEquals(0.9, w2.beta2());
    assertEquals(1e-6, w2.eps());
    assertEquals(5e-4, w2.lr());
    assertEquals(0.1, w2.weightDecay());
    assertEquals(2.0, w2.maxGradNorm());
    assertFalse(w2.withDecayFilter(n -> false).decays("w"));
  }

  @Test
  void badConfigsGiveClearErrors() {
    rejects(() -> Optimizer.adamW(-1e-3), "AdamW", "lr", ">= 0", "-0.001");
    rejects(() -> Optimizer.adam(Double.NaN), "Adam", "lr", "NaN");
    rejects(() -> Optimizer.sgd(Double.POSITIVE_INFINITY), "Sgd", "lr", "finite");
    rejects(() -> Optimizer.adamW(1e-3).withBetas(1.0, 0.999), "beta1", "[0, 1)", "1.0");
    rejects(() -> Optimizer.adam(1e-3).withBetas(0.9, -0.1), "beta2", "[0, 1)", "-0.1");
    rejects(() -> Optimizer.adamW(1e-3).withEps(-1), "eps", ">= 0");
    rejects(() -> Optimizer.adamW(1e-3).withWeightDecay(-0.1), "weightDecay", ">= 0");
    rejects(() -> Optimizer.adamW(1e-3).withMaxGradNorm(0), "maxGradNorm", "> 0",
        "POSITIVE_INFINITY");
    rejects(() -> Optimizer.adamW(1e-3).withDecayFilter(null), "decayFilter", "null");
    rejects(() -> Optimizer.sgd(0.1).withMomentum(1.0, false), "momentum", "[0, 1)");
    rejects(() -> Optimizer.sgd(0.1).withMomentum(0, true), "nesterov", "momentum > 0");
    rejects(() -> OptimizerGraph.build(null, List.of()), "optimizer");
  }
}

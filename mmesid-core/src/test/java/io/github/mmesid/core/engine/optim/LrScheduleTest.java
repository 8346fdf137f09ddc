package io.github.mmesid.core.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Schedules against hand-computed values (Hugging Face semantics: the argument is the number of
 * completed updates) at the warm-up boundary, in the middle and at the end.
 */
class LrScheduleTest {
  private static final double TOL = 1e-15;

  @Test
  void cosineWithWarmup() {
    // warm-up 10, total 110: decay over 100 steps.
    LrSchedule s = LrSchedule.cosine(10, 110);
    assertEquals(0.0, s.factor(0), TOL);
    assertEquals(0.5, s.factor(5), TOL);
    assertEquals(0.9, s.factor(9), TOL);
    assertEquals(1.0, s.factor(10), TOL); // boundary: progress 0, cos(0) = 1
    assertEquals(0.5 * (1 + Math.sqrt(0.5)), s.factor(35), 1e-15); // progress 1/4
    assertEquals(0.5, s.factor(60), 1e-15); // progress 1/2
    assertEquals(0.5 * (1 - Math.sqrt(0.5)), s.factor(85), 1e-15); // progress 3/4
    assertEquals(0.0, s.factor(110), TOL); // end
    assertEquals(0.0, s.factor(500), TOL); // clamped past the end
    assertEquals(3e-4 * 0.5, s.lr(3e-4, 60), 1e-19);
    // The update t = 1 uses step 0: lr 0 with warm-up.
    assertEquals(0.0, s.lrForUpdate(3e-4, 1), 0);
    assertEquals(3e-4, s.lrForUpdate(3e-4, 11), 1e-19);
  }

  @Test
  void cosineWithFloor() {
    LrSchedule s = LrSchedule.cosine(4, 24, 0.1);
    assertEquals(0.25, s.factor(1), TOL); // warm-up ignores the floor
    assertEquals(1.0, s.factor(4), TOL);
    assertEquals(0.55, s.factor(14), 1e-15); // 0.1 + 0.9 * 0.5
    assertEquals(0.1, s.factor(24), 1e-15);
    assertEquals(0.1, s.factor(30), 1e-15);
  }

  @Test
  void cosineWithoutWarmup() {
    LrSchedule s = LrSchedule.cosine(0, 4);
    assertEquals(1.0, s.factor(0), TOL);
    assertEquals(0.5 * (1 + Math.sqrt(0.5)), s.factor(1), 1e-15);
    assertEquals(0.5, s.factor(2), 1e-15);
    assertEquals(0.0, s.factor(4), TOL);
  }

  @Test
  void linearWithWarmup() {
    LrSchedule s = LrSchedule.linear(10, 50);
    assertEquals(0.0, s.factor(0), TOL);
    assertEquals(0.3, s.factor(3), TOL);
    assertEquals(1.0, s.factor(10), TOL);
    assertEquals(0.5, s.factor(30), TOL);
    assertEquals(0.025, s.factor(49), 1e-15);
    assertEquals(0.0, s.factor(50), TOL);
    assertEquals(0.0, s.factor(51), TOL);
    LrSchedule f = LrSchedule.linear(0, 10, 0.2);
    assertEquals(1.0, f.factor(0), TOL);
    assertEquals(0.6, f.factor(5), 1e-15);
    assertEquals(0.2, f.factor(10), 1e-15);
    assertEquals(0.2, f.factor(99), 1e-15);
  }

  @Test
  void constantSchedules() {
    assertEquals(1.0, LrSchedule.constant().factor(0), 0);
    assertEquals(1.0, LrSchedule.constant().factor(1_000_000), 0);
    LrSchedule w = LrSchedule.constantWithWarmup(4);
    assertEquals(0.0, w.factor(0), 0);
    assertEquals(0.75, w.factor(3), 0);
    assertEquals(1.0, w.factor(4), 0);
    assertEquals(1.0, w.factor(40), 0);
    // warm-up = total (as in HF: the decay then spans max(1, 0) = 1 step).
    assertEquals(0.5, LrSchedule.cosine(8, 8).factor(4), 0);
    assertEquals(1.0, LrSchedule.cosine(8, 8).factor(8), 0);
    assertEquals(0.0, LrSchedule.cosine(8, 8).factor(9), 1e-16);
  }

  private static void rejects(Executable e, String... fragments) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    for (String f : fragments) {
      assertTrue(ex.getMessage().contains(f),
          () -> "message '" + ex.getMessage() + "' lacks '" + f + "'");
    }
  }

  @Test
  void badSchedulesGiveClearErrors() {
    rejects(() -> LrSchedule.cosine(200, 100), "warmupSteps", "[0, 100]", "200");
    rejects(() -> LrSchedule.linear(-1, 100), "warmupSteps", "-1");
    rejects(() -> LrSchedule.cosine(0, 0), "totalSteps", ">= 1");
    rejects(() -> LrSchedule.cosine(10, 100, 1.5), "minFactor", "[0, 1]");
    rejects(() -> LrSchedule.linear(10, 100, -0.1), "endFactor", "[0, 1]");
    rejects(() -> LrSchedule.constantWithWarmup(-3), "warmupSteps", ">= 0");
    rejects(() -> LrSchedule.constant().factor(-1), "step", ">= 0");
    rejects(() -> LrSchedule.constant().lrForUpdate(1e-3, 0), "1-based", ">= 1");
  }
}

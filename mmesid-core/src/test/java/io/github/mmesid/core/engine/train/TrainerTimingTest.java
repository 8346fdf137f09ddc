package io.github.mmesid.core.engine.train;

import static io.github.mmesid.core.engine.train.TrainerFixtures.base;
import static io.github.mmesid.core.engine.train.TrainerFixtures.mlpLoss;
import static io.github.mmesid.core.engine.train.TrainerFixtures.regression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-epoch wall-time split of a run. */
class TrainerTimingTest {

  @Test
  void epochTimingsSplitTheWallTime(@TempDir Path dir) {
    ValidationHook slow = p -> {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return p.floats("l2.bias")[0];
    };
    TrainerConfig c = base().validation(slow, 0, true, 0).checkpoints(dir, 0).build();
    long t0 = System.nanoTime();
    TrainingResult r;
    try (Trainer t = new Trainer(mlpLoss(1), c)) {
      r = t.train(regression(100, 9));
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    List<EpochTiming> epochs = r.epochs();
    assertEquals(List.of(0, 1, 2), epochs.stream().map(EpochTiming::epoch).toList());
    for (EpochTiming e : epochs) {
      assertEquals(7, e.updates());
      assertTrue(e.trainSeconds() > 0, e.toString());
      // The process CPU time of training is measured (HotSpot on Linux, in 10 ms ticks) and
      // cannot exceed the wall time on every core, give or take two ticks.
      assertTrue(e.trainCpuSeconds() >= 0, e.toString());
      assertTrue(e.trainCpuSeconds()
          <= e.trainSeconds() * Runtime.getRuntime().availableProcessors() + 0.02, e.toString());
      assertTrue(e.validationSeconds() >= 0.02, "the hook sleeps 20 ms: " + e);
      assertTrue(e.checkpointSeconds() > 0, e.toString());
      assertTrue(e.setupSeconds() >= 0, e.toString());
    }
    assertTrue(epochs.get(0).setupSeconds() > 0, "construction and resume are setup");
    assertEquals(0.0, epochs.get(1).setupSeconds());
    assertEquals(0.0, epochs.get(2).setupSeconds());
    assertTrue(r.totalSeconds() <= wall, r.totalSeconds() + " s recorded, " + wall + " s wall");
    assertTrue(r.totalSeconds() > 0.5 * 0.06, "at least the hooks' sleeps: " + r.totalSeconds());
    double sum = 0;
    for (EpochTiming e : epochs) {
      sum += e.setupSeconds() + e.trainSeconds() + e.validationSeconds() + e.checkpointSeconds();
    }
    assertEquals(sum, r.totalSeconds(), 1e-12);
  }
}

package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunOptionsTest {

  @Test
  void defaultsAreCpuWithoutCheckpoints() {
    RunOptions d = RunOptions.defaults();
    assertTrue(d.provider().isCpu());
    assertNull(d.checkpointDir());
    assertTrue(d.resume());
    assertEquals(List.of(), d.listeners());
    assertEquals(Runtime.getRuntime().availableProcessors(), d.runtime().intraOpThreads());
  }

  @Test
  void builderSetsEveryRunSettingAndAppliesThemToATrainerConfig() {
    TrainingListener l = new TrainingListener() {};
    RunOptions o = RunOptions.builder().threads(1)
        .provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER))
        .checkpoints(Path.of("ck")).checkpointEvery(7).resume(false).allowEpochExtension(true)
        .logEvery(3).listener(l).build();
    assertEquals(1, o.runtime().intraOpThreads());
    assertEquals(ExecutionProvider.Kind.CUDA, o.provider().kind());
    assertEquals(o, o.toBuilder().build());
    TrainerConfig c = o.applyTo(TrainerConfig.builder(5).optimizer(Optimizer.sgd(0.1)), 100, 50).build();
    assertEquals(o.runtime(), c.runtime());
    assertEquals(Path.of("ck"), c.checkpointDir());
    assertEquals(7, c.checkpointEvery());
    assertEquals(false, c.resume());
    assertEquals(3, c.logEvery());
    assertEquals(List.of(l), c.listeners());
    // 0 = the model trainer's defaults
    TrainerConfig d = RunOptions.builder().checkpoints(Path.of("x")).build()
        .applyTo(TrainerConfig.builder(5).optimizer(Optimizer.sgd(0.1)), 100, 50).build();
    assertEquals(100, d.logEvery());
    assertEquals(50, d.checkpointEvery());
  }

  @Test
  void invalidValuesAreRejectedWithTheAllowedRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RunOptions.builder().threads(0).build());
    assertTrue(e.getMessage().contains("1..4096"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RunOptions.builder().logEvery(-1).build());
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RunOptions.builder().checkpointEvery(-2).build());
    assertThrows(IllegalArgumentException.class, () -> RunOptions.builder().listener(null));
  }
}

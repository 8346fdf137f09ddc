package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's noise key: dropout masks made in the graph change with every update and
 * micro-batch, and a run resumed from a checkpoint reproduces the uninterrupted one bit for bit.
 */
class TrainerNoiseTest {
  /** A 3 -> 16 -> 1 MLP with dropout on the input and the hidden layer. */
  private static Tensor dropoutMlpLoss(long seed) {
    return TrainerFixtures.mlpLoss("mlp_dropout", seed, 0.1, 0.3);
  }

  @Test
  void resumeWithDropoutAndMicroBatchesIsBitIdentical(@TempDir Path dir) {
    InMemoryBatchSource data = TrainerFixtures.regression(90, 4);
    TrainerConfig full = TrainerFixtures.base().epochs(3).microBatches(2).build();
    TrainingResult uninterrupted;
    try (Trainer t = new Trainer(dropoutMlpLoss(3), full)) {
      uninterrupted = t.train(data);
    }
    Path ck = dir.resolve("ck");
    try (Trainer t = new Trainer(dropoutMlpLoss(3), full.toBuilder().maxSteps(7)
        .checkpoints(ck, 3).build())) {
      assertEquals(7, t.train(data).steps());
    }
    TrainingResult resumed;
    try (Trainer t = new Trainer(dropoutMlpLoss(3), full.toBuilder().checkpoints(ck, 3).build())) {
      resumed = t.train(data);
    }
    assertEquals(7, resumed.resumedFromStep());
    assertEquals(uninterrupted.lossHistory(), resumed.lossHistory());
    for (String name : uninterrupted.parameters().names()) {
      assertArrayEquals(uninterrupted.parameters().floats(name),
          resumed.parameters().floats(name), 0f, "parameter " + name + " differs after resume");
    }
  }

  @Test
  void trainerSetUpForCudaMakesTheSameMasksAsTheCpuTrainer() {
    // One mechanism on every provider: a trainer set up for CUDA (falling back to the CPU here,
    // with the graph exported as for the device) makes the same masks in the graph, so it
    // computes the same losses bit for bit.
    InMemoryBatchSource data = TrainerFixtures.regression(48, 6);
    TrainerConfig cpu = TrainerFixtures.base().epochs(1).build();
    TrainerConfig cuda = TrainerFixtures.base().epochs(1).runtime(RuntimeOptions.builder()
        .intraOpThreads(1).provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER))
        .build()).build();
    TrainingResult a;
    TrainingResult b;
    try (Trainer t = new Trainer(dropoutMlpLoss(2), cpu)) {
      a = t.train(data);
    }
    try (Trainer t = new Trainer(dropoutMlpLoss(2), cuda)) {
      b = t.train(data);
    }
    assertEquals(3, a.lossHistory().size());
    assertEquals(a.lossHistory(), b.lossHistory());
  }

  @Test
  void masksChangeWithTheUpdateAndTheSeed() {
    InMemoryBatchSource data = TrainerFixtures.regression(16, 5);
    int[] batch = new int[16];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = i;
    }
    // With a learning rate of 0 the parameters never change: only the masks make losses differ.
    TrainerConfig frozen = TrainerFixtures.base().optimizer(Optimizer.sgd(0)).build();
    double[] losses = new double[3];
    try (Trainer t = new Trainer(dropoutMlpLoss(1), frozen)) {
      for (int s = 0; s < losses.length; s++) {
        losses[s] = t.trainStep(data, batch);
      }
    }
    assertNotEquals(losses[0], losses[1]);
    assertNotEquals(losses[1], losses[2]);
    double again;
    double otherSeed;
    try (Trainer t = new Trainer(dropoutMlpLoss(1), frozen)) {
      again = t.trainStep(data, batch);
    }
    TrainerConfig seed8 = TrainerConfig.builder(8).optimizer(Optimizer.sgd(0))
        .runtime(TrainerFixtures.ONE_THREAD).build();
    try (Trainer t = new Trainer(dropoutMlpLoss(1), seed8)) {
      otherSeed = t.trainStep(data, batch);
    }
    assertEquals(losses[0], again, 0.0, "same seed and update: same masks");
    assertNotEquals(losses[0], otherSeed);
    // The keys of updates and micro-batches are distinct.
    assertNotEquals(Trainer.noiseKey(7, 0, 0), Trainer.noiseKey(7, 1, 0));
    assertNotEquals(Trainer.noiseKey(7, 0, 0), Trainer.noiseKey(7, 0, 1));
    assertNotEquals(Trainer.noiseKey(7, 0, 0), Trainer.noiseKey(8, 0, 0));
  }
}

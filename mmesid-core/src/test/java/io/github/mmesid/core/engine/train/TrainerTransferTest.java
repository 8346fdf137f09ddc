package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-update host/device byte count, computed from the bound buffers. */
class TrainerTransferTest {

  @Test
  void bytesPerUpdateFollowFromTheBoundBuffers() {
    // MLP 3 -> 16 -> 1: params (16*3 + 16 + 16 + 1) * 4 B = 324 B; AdamW keeps two moments
    InMemoryBatchSource data = TrainerFixtures.regression(64, 1);
    try (Trainer t = new Trainer(TrainerFixtures.mlpLoss(3), TrainerFixtures.base().build())) {
      int[] ids = new int[16];
      Trainer.StepTransfer s = t.transferPerStep(data, ids);
      long params = 81 * 4;
      long batch = 16 * (3 + 1) * 4;
      assertEquals(batch + params + params + params + 2 * params + 24, s.hostToDevice());
      assertEquals(4 + params + params + 2 * params + 8, s.deviceToHost());
      assertEquals(0, s.residentFrozen());
    }
    // two micro-batches: the batch and the parameters cross twice, the optimizer run once
    try (Trainer t = new Trainer(TrainerFixtures.mlpLoss(3), TrainerFixtures.base()
        .microBatches(2).build())) {
      Trainer.StepTransfer s = t.transferPerStep(data, new int[16]);
      long params = 81 * 4;
      assertEquals(16 * 4 * 4 + 2 * params + params + params + 2 * params + 24, s.hostToDevice());
    }
  }

  @Test
  void theFormulaFromSizesAloneEqualsTheBoundBuffers() {
    InMemoryBatchSource data = TrainerFixtures.regression(64, 1);
    try (Trainer t = new Trainer(TrainerFixtures.mlpLoss(3), TrainerFixtures.base()
        .microBatches(2).build())) {
      long params = 81 * 4;
      // AdamW: two moments per parameter; two micro-batches of 8 rows of (3 + 1) floats
      assertEquals(Trainer.StepTransfer.of(params, 2 * params, 0, 4, 0, 8 * 4 * 4, 8 * 4 * 4),
          t.transferPerStep(data, new int[16]));
    }
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Trainer.StepTransfer.of(1, 1, 1, 4, 0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Trainer.StepTransfer.of(1, -1, 1, 4, 0, 8));
  }

  @Test
  void frozenWeightsAreDeviceResidentInitializersOffTheCpu() {
    Graph g = new Graph("frozen_transfer");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", (long) FrozenDirectBindingTest.ROWS));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 4L));
    Tensor w = g.frozen("w", FrozenDirectBindingTest.directWeight());
    Tensor head = g.parameter("head", Initializers.linearWeight().create(2, "head",
        DType.FLOAT32, 4, FrozenDirectBindingTest.COLS));
    Tensor loss = NnOps.mse(x.linear(w, null).linear(head, null), y);
    long frozenBytes = 4L * FrozenDirectBindingTest.ROWS * FrozenDirectBindingTest.COLS;
    int n = 16;
    InMemoryBatchSource data = InMemoryBatchSource.builder(n)
        .floats("x", new float[n * FrozenDirectBindingTest.ROWS], FrozenDirectBindingTest.ROWS)
        .floats("y", new float[n * 4], 4).build();
    TrainerConfig.Builder cpu = TrainerConfig.builder(1).optimizer(Optimizer.sgd(0.1)).batchSize(8)
        .epochs(1).logEvery(1000).runtime(RuntimeOptions.builder().intraOpThreads(1).build());
    long onCpu;
    try (Trainer t = new Trainer(loss, List.of(head), cpu.build())) {
      onCpu = t.transferPerStep(data, new int[8]).hostToDevice();
      assertTrue(onCpu > frozenBytes, "bound as a run input, the frozen weight would cross per step");
    }
    // CUDA with PREFER: on this CUDA-less machine it runs on the CPU, but the graph is compiled
    // for a device, so the frozen weight is an initializer and never crosses per step
    TrainerConfig gpu = cpu.runtime(RuntimeOptions.builder().intraOpThreads(1)
        .provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER)).build()).build();
    try (Trainer t = new Trainer(loss, List.of(head), gpu)) {
      Trainer.StepTransfer s = t.transferPerStep(data, new int[8]);
      assertEquals(onCpu - frozenBytes, s.hostToDevice());
      assertEquals(frozenBytes, s.residentFrozen());
      TrainingResult r = t.train(data);
      assertEquals(2, r.steps());
      assertTrue(Double.isFinite(r.lastLoss()));
    }
  }
}

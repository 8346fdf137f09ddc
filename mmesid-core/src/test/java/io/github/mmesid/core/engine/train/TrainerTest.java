package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.optim.LrSchedule;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end tests of the training loop through ONNX Runtime. */
class TrainerTest {
  private static final RuntimeOptions ONE_THREAD =
      RuntimeOptions.builder().intraOpThreads(1).build();

  /** y = sin(x0) + 0.5 x1^2 - x2 regression data. */
  private static InMemoryBatchSource regression(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * 3];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      double a = r.nextDouble(-2, 2);
      double b = r.nextDouble(-2, 2);
      double c = r.nextDouble(-2, 2);
      x[3 * i] = (float) a;
      x[3 * i + 1] = (float) b;
      x[3 * i + 2] = (float) c;
      y[i] = (float) (Math.sin(a) + 0.5 * b * b - c);
    }
    return InMemoryBatchSource.builder(n).floats("x", x, 3).floats("y", y, 1).build();
  }

  /** A 3 -> 32 -> 1 ReLU MLP with MSE loss. */
  private static Tensor mlpLoss(long seed) {
    Graph g = new Graph("mlp");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 3));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 1));
    Tensor w1 = g.parameter("l1.weight",
        Initializers.linearWeight().create(seed, "l1.weight", DType.FLOAT32, 32, 3));
    Tensor b1 = g.parameter("l1.bias", TensorData.ofFloats(new long[] {32}, new float[32]));
    Tensor w2 = g.parameter("l2.weight",
        Initializers.linearWeight().create(seed, "l2.weight", DType.FLOAT32, 1, 32));
    Tensor b2 = g.parameter("l2.bias", TensorData.ofFloats(new long[] {1}, new float[1]));
    Tensor h = x.linear(w1, b1).relu();
    return NnOps.mse(h.linear(w2, b2), y);
  }

  private static TrainerConfig.Builder base() {
    return TrainerConfig.builder(7).optimizer(Optimizer.adamW(1e-2).withWeightDecay(0))
        .batchSize(32).epochs(30).runtime(ONE_THREAD).logEvery(1000);
  }

  @Test
  void mlpRegressionConverges() {
    InMemoryBatchSource data = regression(256, 3);
    try (Trainer t = new Trainer(mlpLoss(11), base().build())) {
      TrainingResult r = t.train(data);
      List<Double> h = r.lossHistory();
      double first = h.get(0);
      double lastMean = h.subList(h.size() - 8, h.size()).stream().mapToDouble(d -> d).average()
          .orElseThrow();
      assertEquals(30 * 8, r.steps());
      assertTrue(lastMean < first / 10, "loss should drop 10x: first " + first + " last "
          + lastMean);
    }
  }

  @Test
  void softmaxClassifierConverges() {
    int n = 300;
    int classes = 3;
    SplittableRandom r = new SplittableRandom(5);
    float[] x = new float[n * 2];
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      int c = i % classes;
      double ang = 2 * Math.PI * c / classes;
      x[2 * i] = (float) (2 * Math.cos(ang) + r.nextGaussian() * 0.4);
      x[2 * i + 1] = (float) (2 * Math.sin(ang) + r.nextGaussian() * 0.4);
      y[i] = c;
    }
    Graph g = new Graph("clf");
    Tensor xi = g.input("x", DType.FLOAT32, Shape.mixed("B", 2));
    Tensor yi = g.input("y", DType.INT64, Shape.mixed("B"));
    Tensor w = g.parameter("w", Initializers.linearWeight().create(1, "w", DType.FLOAT32, 3, 2));
    Tensor b = g.parameter("b", TensorData.ofFloats(new long[] {3}, new float[3]));
    Tensor loss = NnOps.crossEntropy(xi.linear(w, b), yi);
    InMemoryBatchSource data = InMemoryBatchSource.builder(n).floats("x", x, 2).longs("y", y)
        .build();
    try (Trainer t = new Trainer(loss, base().epochs(20).build())) {
      TrainingResult res = t.train(data);
      float[] wv = res.parameters().floats("w");
      float[] bv = res.parameters().floats("b");
      int correct = 0;
      for (int i = 0; i < n; i++) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
          double s = wv[2 * c] * x[2 * i] + wv[2 * c + 1] * x[2 * i + 1] + bv[c];
          if (s > bestScore) {
            bestScore = s;
            best = c;
          }
        }
        correct += best == y[i] ? 1 : 0;
      }
      assertTrue(correct > 0.95 * n, "accuracy " + correct + "/" + n);
      // The trained parameters served through an inference session give the same logits.
      try (Predictor p = Predictor.create(g, java.util.Map.of("logits", xi.linear(w, b)),
          res.parameters(), ONE_THREAD);
          var out = p.run(java.util.Map.of("x", io.github.mmesid.core.engine.runtime.HostTensor
              .of(java.util.Arrays.copyOf(x, 4), 2, 2)))) {
        float[] logits = out.get("logits").toFloatArray();
        for (int i = 0; i < 2; i++) {
          for (int c = 0; c < classes; c++) {
            double s = wv[2 * c] * x[2 * i] + wv[2 * c + 1] * x[2 * i + 1] + bv[c];
            assertEquals(s, logits[i * classes + c], 1e-5);
          }
        }
      }
      assertTrue(res.lastLoss() < 0.2, "final loss " + res.lastLoss());
    }
  }

  @Test
  void resumeReproducesUninterruptedRunExactly(@TempDir Path dir) {
    InMemoryBatchSource data = regression(100, 9);
    TrainerConfig full = base().epochs(3).batchSize(16)
        .schedule(LrSchedule.cosine(2, 21)).optimizer(Optimizer.adamW(5e-3).withMaxGradNorm(1.0))
        .build();
    TrainingResult uninterrupted;
    try (Trainer t = new Trainer(mlpLoss(3), full)) {
      uninterrupted = t.train(data);
    }
    // Interrupted after 10 updates (mid-epoch), then resumed by a fresh trainer.
    Path ck = dir.resolve("ck");
    try (Trainer t = new Trainer(mlpLoss(3), full.toBuilder().maxSteps(10)
        .checkpoints(ck, 4).build())) {
      TrainingResult part = t.train(data);
      assertEquals(10, part.steps());
    }
    assertTrue(Files.exists(ck.resolve(TrainingCheckpoint.LATEST_FILE)));
    TrainingResult resumed;
    try (Trainer t = new Trainer(mlpLoss(3), full.toBuilder().checkpoints(ck, 4).build())) {
      resumed = t.train(data);
    }
    assertEquals(uninterrupted.steps(), resumed.steps());
    for (String name : uninterrupted.parameters().names()) {
      assertArrayEquals(uninterrupted.parameters().floats(name), resumed.parameters().floats(name),
          0f, "parameter " + name + " differs after resume");
    }
    // Only the newest checkpoints are kept.
    TrainingCheckpoint last = TrainingCheckpoint.read(TrainingCheckpoint.latest(ck).orElseThrow());
    assertEquals(uninterrupted.steps(), last.state().step());
    assertTrue(last.optimizerState().containsKey("m.l1.weight"));
  }

  @Test
  void microBatchesMatchOneBigBatch() {
    InMemoryBatchSource data = regression(64, 4);
    TrainerConfig c = base().epochs(2).batchSize(16).optimizer(Optimizer.sgd(0.05)).build();
    TrainingResult one;
    try (Trainer t = new Trainer(mlpLoss(5), c)) {
      one = t.train(data);
    }
    TrainingResult four;
    try (Trainer t = new Trainer(mlpLoss(5), c.toBuilder().microBatches(4).build())) {
      four = t.train(data);
    }
    for (String name : one.parameters().names()) {
      assertArrayEquals(one.parameters().floats(name), four.parameters().floats(name), 1e-5f,
          name);
    }
  }

  @Test
  void nanLossStopsWithClearErrorAndKeepsLastGoodCheckpoint(@TempDir Path dir) {
    // log(x . w) becomes NaN once x . w turns negative.
    int n = 8;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = 1;
    }
    Graph g = new Graph("nan");
    Tensor xi = g.input("x", DType.FLOAT32, Shape.mixed("B", 1));
    Tensor w = g.parameter("w", TensorData.ofFloats(new long[] {1, 1}, 0.5f));
    Tensor loss = xi.matmul(w).log().mean(false);
    InMemoryBatchSource data = InMemoryBatchSource.builder(n).floats("x", x, 1).build();
    TrainerConfig c = base().optimizer(Optimizer.sgd(1.0)).batchSize(8).epochs(5)
        .checkpoints(dir, 100).build();
    try (Trainer t = new Trainer(loss, c)) {
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> t.train(data));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
      assertEquals(1, e.step());
      assertNotNull(e.lastGoodCheckpoint());
      TrainingCheckpoint ck = TrainingCheckpoint.read(e.lastGoodCheckpoint());
      // w = 0.5 - lr * 1/0.5 = -1.5 after the good update; the next loss log(-1.5) is NaN.
      assertEquals(-1.5f, ck.parameters().floats("w")[0], 1e-6f);
    }
  }

  @Test
  void earlyStoppingRestoresBestParameters(@TempDir Path dir) {
    InMemoryBatchSource data = regression(64, 2);
    List<Double> metrics = new ArrayList<>(List.of(0.1, 0.5, 0.4, 0.3, 0.9, 0.2));
    List<float[]> seen = new ArrayList<>();
    ValidationHook hook = p -> {
      seen.add(p.floats("l2.bias"));
      return metrics.remove(0);
    };
    TrainerConfig c = base().epochs(50).batchSize(16).validation(hook, 0, true, 2)
        .checkpoints(dir, 0).build();
    try (Trainer t = new Trainer(mlpLoss(1), c)) {
      TrainingResult r = t.train(data);
      assertTrue(r.stoppedEarly());
      assertEquals(4, seen.size(), "stops after 2 validations without improvement");
      assertEquals(0.5, r.bestMetric());
      assertEquals(8, r.bestStep());
      assertArrayEquals(seen.get(1), r.parameters().floats("l2.bias"));
      TrainingCheckpoint best = TrainingCheckpoint.read(dir.resolve(TrainingCheckpoint.BEST_DIR));
      assertArrayEquals(seen.get(1), best.parameters().floats("l2.bias"));
    }
  }

  @Test
  void listenerSeesEveryStepAndBadConfigIsRejected() {
    InMemoryBatchSource data = regression(40, 1);
    List<StepInfo> steps = new ArrayList<>();
    TrainerConfig c = base().epochs(2).batchSize(16).listener(new TrainingListener() {
      @Override
      public void onStep(StepInfo info) {
        steps.add(info);
      }
    }).build();
    try (Trainer t = new Trainer(mlpLoss(1), c)) {
      t.train(data);
    }
    assertEquals(6, steps.size());
    assertEquals(6, steps.get(5).step());
    assertTrue(steps.get(5).examplesPerSecond() > 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> base().microBatches(64).batchSize(16).build());
    assertTrue(e.getMessage().contains("microBatches"), e.getMessage());
  }
}

package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.HostTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches whose sequence length depends on their examples: each batch is padded only to its own
 * longest sequence, and training equals training on sequences all padded to the global maximum.
 */
class TrainerVariableShapeTest {
  private static final int H = 6;

  /** Sequences of values with a target; masked positions are padding. */
  private static final class Sequences implements BatchSource {
    final float[][] seqs;
    final float[] targets;
    final boolean padToMax;
    final int maxLen;

    Sequences(int n, int maxLen, long seed, boolean padToMax) {
      SplittableRandom r = new SplittableRandom(seed);
      this.seqs = new float[n][];
      this.targets = new float[n];
      this.padToMax = padToMax;
      this.maxLen = maxLen;
      for (int i = 0; i < n; i++) {
        int len = 1 + r.nextInt(maxLen);
        seqs[i] = new float[len];
        double sum = 0;
        for (int t = 0; t < len; t++) {
          seqs[i][t] = (float) r.nextDouble(-1, 1);
          sum += Math.sin(2 * seqs[i][t]);
        }
        targets[i] = (float) sum;
      }
    }

    int lengthOf(int[] ids) {
      if (padToMax) {
        return maxLen;
      }
      int t = 1;
      for (int id : ids) {
        t = Math.max(t, seqs[id].length);
      }
      return t;
    }

    @Override
    public int size() {
      return seqs.length;
    }

    @Override
    public Map<String, long[]> inputShapes(int batchSize) {
      throw new AssertionError("the trainer must ask for the shapes of the examples");
    }

    @Override
    public Map<String, long[]> inputShapes(int[] exampleIds) {
      long b = exampleIds.length;
      long t = lengthOf(exampleIds);
      return Map.of("x", new long[] {b, t}, "mask", new long[] {b, t}, "y", new long[] {b, 1});
    }

    @Override
    public void fill(int[] exampleIds, Batch batch) {
      HostTensor x = batch.tensor("x");
      HostTensor mask = batch.tensor("mask");
      HostTensor y = batch.tensor("y");
      int t = (int) x.dim(1);
      assertEquals(lengthOf(exampleIds), t);
      for (int r = 0; r < exampleIds.length; r++) {
        float[] s = seqs[exampleIds[r]];
        for (int k = 0; k < t; k++) {
          x.setFloat(r * t + k, k < s.length ? s[k] : 0f);
          mask.setFloat(r * t + k, k < s.length ? 1f : 0f);
        }
        y.setFloat(r, targets[exampleIds[r]]);
      }
    }
  }

  /** sum over real positions of tanh(x w + b), then a linear read-out; MSE. */
  private static Tensor loss() {
    Graph g = new Graph("seq");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", "T"));
    Tensor mask = g.input("mask", DType.FLOAT32, Shape.mixed("B", "T"));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 1));
    Tensor w = g.parameter("w", Initializers.linearWeight().create(5, "w", DType.FLOAT32, 1, H));
    Tensor b = g.parameter("b", TensorData.ofFloats(new long[] {H}, new float[H]));
    Tensor w2 = g.parameter("w2", Initializers.linearWeight().create(6, "w2", DType.FLOAT32, 1, H));
    Tensor b2 = g.parameter("b2", TensorData.ofFloats(new long[] {1}, new float[1]));
    Tensor h = x.unsqueeze(2).mul(w).add(b).tanh().mul(mask.unsqueeze(2)).sum(false, 1);
    return NnOps.mse(h.linear(w2, b2), y);
  }

  private static TrainerConfig.Builder config() {
    return TrainerConfig.builder(3).optimizer(Optimizer.adam(2e-2)).batchSize(8).epochs(4)
        .runtime(TrainerFixtures.ONE_THREAD).logEvery(1000);
  }

  private static TrainingResult train(TrainerConfig c, BatchSource data) {
    try (Trainer t = new Trainer(loss(), c)) {
      return t.train(data);
    }
  }

  @Test
  void perBatchLengthsTrainLikeGlobalPadding() {
    TrainingResult padded = train(config().build(), new Sequences(60, 12, 1, true));
    TrainingResult variable;
    try (Trainer t = new Trainer(loss(), config().build())) {
      variable = t.train(new Sequences(60, 12, 1, false));
      assertTrue(t.preparedShapes() > 1, "several batch lengths: " + t.preparedShapes());
    }
    assertEquals(padded.steps(), variable.steps());
    List<Double> a = padded.lossHistory();
    List<Double> b = variable.lossHistory();
    for (int i = 0; i < a.size(); i++) {
      // Padding adds exact zeros, but a reduction over a longer axis may sum in another order.
      assertEquals(a.get(i), b.get(i), 1e-6 * Math.max(1, Math.abs(a.get(i))), "loss " + i);
    }
    assertTrue(b.get(b.size() - 1) < b.get(0) / 2, "training converges: " + b);
    for (String name : padded.parameters().names()) {
      assertArrayEquals(padded.parameters().floats(name), variable.parameters().floats(name),
          1e-5f, name);
    }
  }

  @Test
  void variableShapesResumeExactly(@TempDir Path dir) {
    Sequences data = new Sequences(60, 12, 2, false);
    TrainingResult full = train(config().build(), data);
    Path ck = dir.resolve("ck");
    train(config().maxSteps(13).checkpoints(ck, 5).build(), data);
    TrainingResult resumed = train(config().checkpoints(ck, 5).build(), data);
    assertEquals(13, resumed.resumedFromStep());
    assertEquals(full.lossHistory(), resumed.lossHistory());
    for (String name : full.parameters().names()) {
      assertArrayEquals(full.parameters().floats(name), resumed.parameters().floats(name), 0f,
          name);
    }
  }

  @Test
  void leastRecentlyUsedShapesAreClosedBeyondTheBound() {
    int n = Trainer.MAX_PREPARED_SHAPES + 6;
    Sequences data = new Sequences(n, 1, 4, false);
    for (int i = 0; i < n; i++) {
      data.seqs[i] = new float[i + 1]; // lengths 1..n: every batch of one has its own shape
      data.seqs[i][i] = 0.5f;
      data.targets[i] = 0.3f;
    }
    try (Trainer t = new Trainer(loss(), config().batchSize(1).epochs(2).build())) {
      TrainingResult r = t.train(data);
      assertEquals(2L * n, r.steps());
      assertEquals(Trainer.MAX_PREPARED_SHAPES, t.preparedShapes());
      assertTrue(Double.isFinite(r.lastLoss()));
    }
  }
}

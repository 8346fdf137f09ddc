package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.SplittableRandom;

/** Small models and data shared by the trainer tests. */
final class TrainerFixtures {
  static final RuntimeOptions ONE_THREAD = RuntimeOptions.builder().intraOpThreads(1).build();

  private TrainerFixtures() {}

  /** y = sin(x0) + 0.5 x1^2 - x2 regression data. */
  static InMemoryBatchSource regression(int n, long seed) {
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

  /** A 3 -> 16 -> 1 ReLU MLP with MSE loss. */
  static Tensor mlpLoss(long seed) {
    return mlpLoss("mlp", seed, 0, 0);
  }

  /**
   * A 3 -> 16 -> 1 ReLU MLP with MSE loss and dropout {@code dropIn} on the input and {@code
   * dropHidden} on the hidden layer (streams "drop.in" and "drop.hidden"; none where 0).
   */
  static Tensor mlpLoss(String name, long seed, double dropIn, double dropHidden) {
    Graph g = new Graph(name);
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 3));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 1));
    Tensor w1 = g.parameter("l1.weight",
        Initializers.linearWeight().create(seed, "l1.weight", DType.FLOAT32, 16, 3));
    Tensor b1 = g.parameter("l1.bias", TensorData.ofFloats(new long[] {16}, new float[16]));
    Tensor w2 = g.parameter("l2.weight",
        Initializers.linearWeight().create(seed, "l2.weight", DType.FLOAT32, 1, 16));
    Tensor b2 = g.parameter("l2.bias", TensorData.ofFloats(new long[] {1}, new float[1]));
    Tensor in = dropIn > 0 ? x.dropout(dropIn, "drop.in") : x;
    Tensor h = in.linear(w1, b1).relu();
    if (dropHidden > 0) {
      h = h.dropout(dropHidden, "drop.hidden");
    }
    return NnOps.mse(h.linear(w2, b2), y);
  }

  static TrainerConfig.Builder base() {
    return TrainerConfig.builder(7).optimizer(Optimizer.adamW(5e-3).withMaxGradNorm(1.0))
        .batchSize(16).epochs(3).runtime(ONE_THREAD).logEvery(1000);
  }
}

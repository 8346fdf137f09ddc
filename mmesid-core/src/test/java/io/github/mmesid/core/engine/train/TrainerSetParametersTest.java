package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Trainer#setParameters}: values written between updates are what the next update uses. */
class TrainerSetParametersTest {

  @Test
  void overwrittenValuesAreUsedAndValidated() {
    Graph g = new Graph("lin");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 2));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 1));
    Tensor w = g.parameter("w", TensorData.ofFloats(new long[] {1, 2}, 0.5f, -0.5f));
    Tensor loss = NnOps.mse(x.linear(w, null), y);
    float[] xs = {1, 0, 0, 1, 1, 1, 2, 1};
    float[] ys = {1, 2, 3, 4};
    InMemoryBatchSource data = InMemoryBatchSource.builder(4).floats("x", xs, 2).floats("y", ys, 1)
        .build();
    // SGD with lr 0 leaves parameters unchanged, so the snapshot shows exactly what was written
    TrainerConfig cfg = TrainerConfig.builder(1).optimizer(Optimizer.sgd(0.0)).batchSize(2)
        .epochs(1).runtime(RuntimeOptions.builder().intraOpThreads(1).build()).build();
    try (Trainer t = new Trainer(loss, cfg)) {
      t.setParameters(Map.of("w", TensorData.ofFloats(new long[] {1, 2}, 3f, 4f)));
      assertArrayEquals(new float[] {3, 4}, t.snapshot().floats("w"));
      TrainingResult r = t.train(data);
      assertArrayEquals(new float[] {3, 4}, r.parameters().floats("w"));
      assertThrows(IllegalArgumentException.class,
          () -> t.setParameters(Map.of("v", TensorData.ofFloats(new long[] {1, 2}, 1f, 1f))));
      assertThrows(IllegalArgumentException.class,
          () -> t.setParameters(Map.of("w", TensorData.ofFloats(new long[] {2}, 1f, 1f))));
    }
  }
}

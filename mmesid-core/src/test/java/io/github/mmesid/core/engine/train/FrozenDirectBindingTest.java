package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Frozen weights wrapped over direct memory ({@link TensorData#wrap}) are bound in place as
 * read-only inputs by the trainer and the predictor, and never written.
 */
class FrozenDirectBindingTest {
  static final int ROWS = 1024;
  static final int COLS = 300; // 1.2 MB: above the 1 MiB embedding threshold

  static TensorData directWeight() {
    ByteBuffer b = ByteBuffer.allocateDirect(ROWS * COLS * 4).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer f = b.asFloatBuffer();
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < ROWS * COLS; i++) {
      f.put(i, (float) r.nextDouble(-0.05, 0.05));
    }
    return TensorData.wrap(DType.FLOAT32, new long[] {COLS, ROWS}, b.asReadOnlyBuffer()
        .order(ByteOrder.LITTLE_ENDIAN));
  }

  @Test
  void wrappedFrozenWeightTrainsAndPredictsWithoutCopy() {
    TensorData frozen = directWeight();
    assertTrue(frozen.isDirect());
    float[] before = frozen.toFloats();
    Graph g = new Graph("frozen_direct");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", (long) ROWS));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 4L));
    Tensor w = g.frozen("w", frozen);
    Tensor head = g.parameter("head", Initializers.linearWeight().create(2, "head",
        DType.FLOAT32, 4, COLS));
    Tensor pred = x.linear(w, null).linear(head, null);
    Tensor loss = NnOps.mse(pred, y);
    int n = 64;
    SplittableRandom r = new SplittableRandom(3);
    float[] xs = new float[n * ROWS];
    float[] ys = new float[n * 4];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) r.nextDouble(-1, 1);
    }
    for (int i = 0; i < ys.length; i++) {
      ys[i] = (float) r.nextDouble(-1, 1);
    }
    InMemoryBatchSource data = InMemoryBatchSource.builder(n).floats("x", xs, ROWS)
        .floats("y", ys, 4).build();
    TrainingResult res;
    try (Trainer t = new Trainer(loss, List.of(head), TrainerConfig.builder(1)
        .optimizer(Optimizer.adamW(1e-2).withWeightDecay(0)).batchSize(16).epochs(10)
        .runtime(RuntimeOptions.builder().intraOpThreads(1).build()).logEvery(1000).build())) {
      res = t.train(data);
    }
    List<Double> h = res.lossHistory();
    assertTrue(h.get(h.size() - 1) < h.get(0), "loss did not drop: " + h);
    float[] after = frozen.toFloats();
    for (int i = 0; i < before.length; i++) {
      assertEquals(before[i], after[i]);
    }
    try (Predictor p = Predictor.create(g, Map.of("p", pred), res.parameters(),
        RuntimeOptions.defaults());
        HostTensor xin = HostTensor.of(java.util.Arrays.copyOf(xs, ROWS), 1, ROWS);
        RunOutputs o = p.run(Map.of("x", xin))) {
      float[] hw = res.parameters().floats("head");
      for (int k = 0; k < 4; k++) {
        double expect = 0;
        for (int c = 0; c < COLS; c++) {
          double hid = 0;
          for (int i = 0; i < ROWS; i++) {
            hid += xs[i] * before[c * ROWS + i];
          }
          expect += hid * hw[k * COLS + c];
        }
        assertEquals(expect, o.get("p").getFloat(k), 1e-3);
      }
    }
  }

  @Test
  void sharedHostTensorIsReadOnly() {
    ByteBuffer b = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    try (HostTensor t = HostTensor.wrapShared(b.asReadOnlyBuffer().order(ByteOrder.nativeOrder()),
        DType.FLOAT32, 4)) {
      assertEquals(0f, t.getFloat(3));
      assertThrows(ReadOnlyBufferException.class, () -> t.setFloat(0, 1f));
    }
    assertThrows(IllegalArgumentException.class, () -> HostTensor.wrapShared(
        ByteBuffer.allocate(16), DType.FLOAT32, 4));
  }
}

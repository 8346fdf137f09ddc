package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One full training step of the engine ({@link Trainer#trainStep}: batch fill, forward, backward,
 * AdamW update) for an MLP with ReLU and MSE loss.
 *
 * <ul>
 *   <li>{@code mlp}: 256 -> 512 -> 512 -> 256, batch 1024 (the reference case); the
 *       {@code GFLOP} counter counts 3x the forward MatMul FLOPs per step, so its rate is the
 *       achieved GFLOP/s to compare with {@link MatMulPeakBenchmark};
 *   <li>{@code tiny}: 4 -> 4, batch 8: the fixed per-step cost of the engine (run with {@code -prof
 *       gc} for the allocation per step).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TrainStepBenchmark {
  /** Which model. */
  @Param({"mlp", "tiny"})
  public String model;

  private Trainer trainer;
  private InMemoryBatchSource source;
  private int[] ids;
  private double gflopPerStep;

  /** Counts floating-point work so that JMH reports it per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Flops {
    /** Billions of floating-point operations (3x the forward MatMul FLOPs per step). */
    public double GFLOP;

    /** Resets the counter at the start of each iteration. */
    @Setup(Level.Iteration)
    public void reset() {
      GFLOP = 0;
    }
  }

  /** Builds the MLP, its trainer and a batch of random data. */
  @Setup(Level.Trial)
  public void setUp() {
    int[] sizes = model.equals("mlp") ? new int[] {256, 512, 512, 256} : new int[] {4, 4};
    int batch = model.equals("mlp") ? 1024 : 8;
    Graph g = new Graph("mlp");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", sizes[0]));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", sizes[sizes.length - 1]));
    Tensor h = x;
    double flops = 0;
    for (int l = 0; l + 1 < sizes.length; l++) {
      Tensor w = g.parameter("l" + l + ".weight", Initializers.linearWeight()
          .create(1, "l" + l + ".weight", DType.FLOAT32, sizes[l + 1], sizes[l]));
      Tensor b = g.parameter("l" + l + ".bias",
          TensorData.ofFloats(new long[] {sizes[l + 1]}, new float[sizes[l + 1]]));
      h = h.linear(w, b);
      if (l + 2 < sizes.length) {
        h = h.relu();
      }
      flops += 2.0 * batch * sizes[l] * sizes[l + 1];
    }
    gflopPerStep = 3 * flops / 1e9;
    Tensor loss = NnOps.mse(h, y);
    SplittableRandom r = new SplittableRandom(3);
    float[] xv = new float[batch * sizes[0]];
    float[] yv = new float[batch * sizes[sizes.length - 1]];
    for (int i = 0; i < xv.length; i++) {
      xv[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < yv.length; i++) {
      yv[i] = (float) r.nextGaussian();
    }
    source = InMemoryBatchSource.builder(batch).floats("x", xv, sizes[0])
        .floats("y", yv, sizes[sizes.length - 1]).build();
    ids = new int[batch];
    for (int i = 0; i < batch; i++) {
      ids[i] = i;
    }
    trainer = new Trainer(loss, TrainerConfig.builder(1).optimizer(Optimizer.adamW(1e-4))
        .batchSize(batch).build());
  }

  /**
   * One training step.
   *
   * @param flops the FLOP counter
   * @return the loss
   */
  @Benchmark
  public double step(Flops flops) {
    double loss = trainer.trainStep(source, ids);
    flops.GFLOP += gflopPerStep;
    return loss;
  }

  /** Releases the trainer. */
  @TearDown(Level.Trial)
  public void tearDown() {
    trainer.close();
  }
}

package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.BatchSource;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.llm.llama.LlamaBackbone;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * LoRA training speed on a small Llama (hidden 256, 4 layers, 8 heads, 4 KV heads, MLP 688,
 * vocab 1000): MME-SID's LoRA (r 8, alpha 16, dropout 0.05 on gate/up/down), batch 8 of
 * sequence length 32, AdamW; the loss is the MSE of the last hidden state against a target. Each
 * invocation runs {@value #STEPS} optimizer steps on a trainer compiled in the (untimed) setup,
 * so steps/s = {@value #STEPS} / (s/op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LlamaLoraTrainBenchmark {
  static final LlamaConfig CONFIG = LlamaConfig.of(256, 688, 4, 8, 4, 1000, 512);
  static final int SEQ = 32;
  static final int BATCH = 8;
  /** Optimizer steps per invocation. */
  public static final int STEPS = 16;

  private LlamaWeights weights;
  private BatchSource data;
  private Trainer trainer;

  /** Builds the weights and data once. */
  @Setup(Level.Trial)
  public void setUp() {
    weights = LlamaWeights.random(CONFIG, 1);
    SplittableRandom r = new SplittableRandom(3);
    int n = BATCH * STEPS;
    long[] ids = new long[n * SEQ];
    long[] mask = new long[n * SEQ];
    float[] target = new float[n * CONFIG.hiddenSize()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(CONFIG.vocabSize());
      mask[i] = 1;
    }
    for (int i = 0; i < target.length; i++) {
      target[i] = (float) r.nextGaussian();
    }
    data = InMemoryBatchSource.builder(n).longs(LlamaBackbone.INPUT_IDS, ids, SEQ)
        .longs(LlamaBackbone.ATTENTION_MASK, mask, SEQ)
        .floats("target", target, CONFIG.hiddenSize()).build();
  }

  /** Compiles a fresh trainer before each invocation (not timed). */
  @Setup(Level.Invocation)
  public void newTrainer() {
    Graph g = new Graph("lora_bench");
    LlamaBackbone bb = LlamaBackbone.create(g, weights,
        LlamaBackbone.Options.loraTraining(LoraConfig.mmeSid(), 1));
    Tensor h = bb.forward(bb.embed(LlamaBackbone.inputIdsInput(g)),
        LlamaBackbone.attentionMaskInput(g));
    Tensor last = h.slice(1, SEQ - 1, SEQ).squeeze(1);
    Tensor target = g.input("target", g.floatType(),
        Shape.mixed("B", (long) CONFIG.hiddenSize()));
    Tensor loss = NnOps.mse(last, target);
    trainer = new Trainer(loss, bb.trainableParameters(), TrainerConfig.builder(1)
        .optimizer(Optimizer.adamW(1e-3)).batchSize(BATCH).epochs(1).logEvery(1_000_000)
        .runtime(RuntimeOptions.defaults()).build());
  }

  /** Releases the trainer. */
  @TearDown(Level.Invocation)
  public void closeTrainer() {
    trainer.close();
  }

  /**
   * Runs {@value #STEPS} LoRA training steps.
   *
   * @return the step count (consumed by JMH)
   */
  @Benchmark
  public long train() {
    return trainer.train(data).steps();
  }
}

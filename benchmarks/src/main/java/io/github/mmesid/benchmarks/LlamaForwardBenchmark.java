package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.llm.llama.LlamaBackbone;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaWeights;
import java.util.Map;
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
 * Forward throughput of a ~100M-parameter Llama backbone (hidden 768, 12 layers, 12 heads, 4
 * KV heads, MLP 2048, vocab 32000; 99.8M parameters) on token ids, sequence length 80, frozen
 * weights bound in place. Auxiliary counters report tokens/s and GFLOP/s ({@link
 * LlamaConfig#forwardFlops}: projections and attention matmuls).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LlamaForwardBenchmark {

  /** The ~100M configuration. */
  static final LlamaConfig CONFIG = LlamaConfig.of(768, 2048, 12, 12, 4, 32000, 2048);
  static final int SEQ = 80;

  /** Batch size. */
  @Param({"1", "16"})
  public int batch;

  /**
   * How frozen weights are bound: {@code inputs} (read in place, never copied) or {@code
   * initializers} (copied into the session; ORT may constant-fold and pre-pack them).
   */
  @Param({"inputs", "initializers"})
  public String frozen;

  private Predictor predictor;
  private HostTensor ids;
  private HostTensor mask;

  /** Counts tokens and floating-point work per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Work {
    /** Tokens processed. */
    public double tokens;
    /** Billions of floating-point operations. */
    public double GFLOP;

    /** Resets the counters at the start of each iteration. */
    @Setup(Level.Iteration)
    public void reset() {
      tokens = 0;
      GFLOP = 0;
    }
  }

  /** Builds random weights and compiles the backbone. */
  @Setup(Level.Trial)
  public void setUp() {
    LlamaWeights w = LlamaWeights.random(CONFIG, 1);
    Graph g = new Graph("llama100m");
    LlamaBackbone bb = LlamaBackbone.create(g, w, LlamaBackbone.Options.inference());
    Tensor out = bb.forward(bb.embed(LlamaBackbone.inputIdsInput(g)),
        LlamaBackbone.attentionMaskInput(g));
    predictor = Predictor.create(g, Map.of("h", out), new ParameterSnapshot(Map.of()),
        RuntimeOptions.defaults(), frozen.equals("initializers"));
    SplittableRandom r = new SplittableRandom(2);
    long[] idv = new long[batch * SEQ];
    long[] mv = new long[batch * SEQ];
    for (int i = 0; i < idv.length; i++) {
      idv[i] = r.nextInt(CONFIG.vocabSize());
      mv[i] = 1;
    }
    ids = HostTensor.of(idv, batch, SEQ);
    mask = HostTensor.of(mv, batch, SEQ);
  }

  /** Releases native resources. */
  @TearDown(Level.Trial)
  public void tearDown() {
    predictor.close();
    ids.close();
    mask.close();
  }

  /**
   * One forward pass.
   *
   * @param work counters
   * @return the first output value (consumed by JMH)
   */
  @Benchmark
  public float forward(Work work) {
    try (RunOutputs o = predictor.run(Map.of(LlamaBackbone.INPUT_IDS, ids,
        LlamaBackbone.ATTENTION_MASK, mask))) {
      work.tokens += (double) batch * SEQ;
      work.GFLOP += CONFIG.forwardFlops(batch, SEQ) / 1e9;
      return o.get("h").getFloat(0);
    }
  }
}

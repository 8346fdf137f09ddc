package io.github.mmesid.llm.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportOptions;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.optim.OptimizerGraph;
import io.github.mmesid.core.engine.optim.ParamSpec;
import io.github.mmesid.core.engine.optim.StateSpec;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.BatchSource;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.llm.lora.LoraAdapters;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host/device bytes of one Llama LoRA update from shapes alone ({@link
 * Trainer.StepTransfer#of}, the formula of {@link Trainer#transferPerStep}), checked against a
 * real trainer on a small model and evaluated at Llama-3-8B's shapes (the figure in
 * benchmarks/RESULTS.md): building an 8B graph would need its 32 GB of weights.
 *
 * <p>The step is the one {@code LlamaLoraTrainBenchmark} trains: token ids and attention mask
 * {@code [B, T]} through the backbone with LoRA (dropout noise per adapted module), MSE of the
 * last position's hidden state against a target {@code [B, H]}, AdamW with clipping (MME-SID's
 * optimizer).
 */
class LoraStepTransferTest {
  private static final Logger LOG = LoggerFactory.getLogger(LoraStepTransferTest.class);
  private static final Optimizer ADAMW = Optimizer.adamW(3e-4).withWeightDecay(0.01)
      .withMaxGradNorm(1.0);

  /** Llama-3-8B: H 4096, MLP 14336, 32 layers, 32 query / 8 key-value heads, vocab 128256. */
  static LlamaConfig llama3_8b() {
    return LlamaConfig.of(4096, 14336, 32, 32, 8, 128_256, 8192).withRope(500_000, 1e-5);
  }

  /**
   * The transfer of one update of the LoRA step, from the configurations alone.
   *
   * @param onDevice the trainer runs on an accelerator: frozen weights are resident
   *     initializers (else, as on the CPU, they are bound per run)
   * @param hostNoise count the dropout noise as host-filled float inputs (the former design, for
   *     comparison) instead of the 8-byte noise key from which the graph makes the masks
   */
  static Trainer.StepTransfer fromShapes(LlamaConfig c, LoraConfig lc, long b, long t,
      boolean onDevice, boolean hostNoise) {
    List<ParamSpec> specs = new ArrayList<>();
    long trainable = 0;
    for (Map.Entry<String, long[]> e : LoraAdapters.shapes(c, lc).entrySet()) {
      specs.add(new ParamSpec(e.getKey(), DType.FLOAT32, Shape.of(e.getValue())));
      trainable += 4 * numel(e.getValue());
    }
    long state = 0;
    for (StateSpec s : OptimizerGraph.statesOf(ADAMW, specs)) {
      state += s.dtype().byteSize() * numel(s.dims());
    }
    // frozen weights larger than the embedding limit are kept out of the model: resident
    // initializers on a device, bound run inputs on the CPU; the embedding table in row blocks
    long limit = ExportOptions.training().maxEmbeddedFrozenBytes();
    long external = 0;
    for (Map.Entry<String, long[]> e : LlamaTensorNames.backboneShapes(c).entrySet()) {
      long bytes = 4 * numel(e.getValue());
      if (e.getKey().equals(LlamaTensorNames.EMBED_TOKENS)) {
        long rows = LlamaWeights.embeddingBlockRows(c);
        long rowBytes = 4L * c.hiddenSize();
        for (long r0 = 0; r0 < c.vocabSize(); r0 += rows) {
          long blockBytes = Math.min(rows, c.vocabSize() - r0) * rowBytes;
          external += blockBytes > limit ? blockBytes : 0;
        }
      } else {
        external += bytes > limit ? bytes : 0;
      }
    }
    long batch = b * t * 8 * 2 + b * c.hiddenSize() * 4L; // ids, mask, target
    if (lc.dropout() > 0) {
      batch += hostNoise ? 4 * loraNoiseValues(c, lc, b, t) : 8;
    }
    return Trainer.StepTransfer.of(trainable, state, onDevice ? 0 : external, 4,
        onDevice ? external : 0, batch);
  }

  /** Values of LoRA dropout noise per update: {@code B x T x in} per layer and adapted module. */
  static long loraNoiseValues(LlamaConfig c, LoraConfig lc, long b, long t) {
    Map<String, long[]> weights = LlamaTensorNames.backboneShapes(c);
    long n = 0;
    for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
      for (LlamaTensorNames.Module mod : LlamaTensorNames.Module.values()) {
        if (lc.targets(mod)) {
          n += b * t * weights.get(LlamaTensorNames.linear(layer, mod))[1];
        }
      }
    }
    return n;
  }

  private static long numel(long[] s) {
    long n = 1;
    for (long d : s) {
      n *= d;
    }
    return n;
  }

  @Test
  void shapesAloneGiveTheTrainersFigureOnASmallModel() {
    // 2 layers, vocab large enough for an embedding table over the 1 MiB limit
    LlamaConfig c = LlamaConfig.of(16, 40, 2, 2, 1, 20_000, 64);
    LlamaWeights w = LlamaWeights.random(c, 1);
    LoraConfig lc = LoraConfig.mmeSid();
    int b = 3;
    int t = 5;
    int n = 6;
    long[] ids = new long[n * t];
    long[] mask = new long[n * t];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 7919L) % c.vocabSize();
      mask[i] = 1;
    }
    InMemoryBatchSource data = InMemoryBatchSource.builder(n)
        .longs(LlamaBackbone.INPUT_IDS, ids, t).longs(LlamaBackbone.ATTENTION_MASK, mask, t)
        .floats(LlamaDeviceChecks.TARGET, new float[n * c.hiddenSize()], c.hiddenSize()).build();
    for (boolean device : new boolean[] {false, true}) {
      Graph g = new Graph("lora_step");
      LlamaBackbone bb = LlamaBackbone.create(g, w, LlamaBackbone.Options.loraTraining(lc, 1));
      Tensor loss = LlamaDeviceChecks.loraStepLoss(g, bb, t, c.hiddenSize());
      RuntimeOptions.Builder rt = RuntimeOptions.builder().intraOpThreads(1);
      if (device) {
        rt.provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER));
      }
      BatchSource src = data;
      try (Trainer tr = new Trainer(loss, bb.trainableParameters(), TrainerConfig.builder(1)
          .optimizer(ADAMW).batchSize(b).epochs(1).logEvery(1000).runtime(rt.build()).build())) {
        assertEquals(fromShapes(c, lc, b, t, device, false),
            tr.transferPerStep(src, new int[] {0, 1, 2}), device ? "device" : "cpu");
        tr.trainStep(src, new int[] {0, 1, 2}); // the graph the figure describes runs
      }
    }
  }

  /** Llama-3-8B + LoRA at METHOD.md's settings: r 8 on gate/up/down, batch 16, T = 37 + 20. */
  @Test
  void llama3_8bLoraStep() {
    LlamaConfig c = llama3_8b();
    LoraConfig lc = LoraConfig.mmeSid();
    Trainer.StepTransfer s = fromShapes(c, lc, 16, 57, true, false);
    Trainer.StepTransfer hostNoise = fromShapes(c, lc, 16, 57, true, true);
    LOG.info("Llama-3-8B LoRA step (B 16, T 57): host->device {} B, device->host {} B per update,"
        + " {} B resident; with host-filled dropout noise {} B host->device", s.hostToDevice(),
        s.deviceToHost(), s.residentFrozen(), hostNoise.hostToDevice());
    // LoRA: 32 layers x 3 modules x 8 x (4096 + 14336) = 14,155,776 parameters (56.6 MB)
    long lora = 14_155_776L * 4;
    assertEquals(lora, LoraAdapters.shapes(c, lc).values().stream()
        .mapToLong(v -> 4 * v[0] * v[1]).sum());
    // the figures quoted in benchmarks/RESULTS.md: to the device 3 x LoRA (parameters twice,
    // gradients once) + 2 x LoRA (AdamW moments) + 24 B of scalars + the batch (ids and mask
    // 16 x 57 int64 each, target 16 x 4096 floats, the 8-byte noise key of the 96 dropout
    // masks); back 2 x LoRA (gradients, new parameters) + the moments + loss and gradient norm
    assertEquals(5 * lora + 24 + 2 * 16 * 57 * 8 + 16 * 4096 * 4 + 8, s.hostToDevice());
    assertEquals(283_392_288L, s.hostToDevice());
    assertEquals(4 * lora + 12, s.deviceToHost());
    assertEquals(226_492_428L, s.deviceToHost());
    // every backbone weight except the 65 RMSNorm vectors: 7,504,658,432 floats, uploaded once
    assertEquals(30_018_633_728L, s.residentFrozen());
    // host-filled noise would add 16 x 57 x (4096 + 4096 + 14336) x 32 layers floats per update
    assertEquals(s.hostToDevice() - 8 + 16L * 57 * 22528 * 32 * 4, hostNoise.hostToDevice());
    assertEquals(2_913_220_888L, hostNoise.hostToDevice());
  }
}

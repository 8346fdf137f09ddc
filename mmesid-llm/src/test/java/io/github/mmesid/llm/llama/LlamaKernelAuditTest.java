package io.github.mmesid.llm.llama;

import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.llm.CudaAudit;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Llama backbone's graphs have CUDA kernels: the frozen forward pass ({@link
 * LlamaHiddenStates}, from token ids and from embeddings) and a LoRA training step with MME-SID's
 * adapters (dropout generated in the graph) and AdamW with clipping.
 */
class LlamaKernelAuditTest {
  private static final Map<String, Long> DIMS = Map.of("B", 2L, "T", 6L);

  @Test
  void forwardAndLoraStepHaveCudaKernels() {
    LlamaConfig c = LlamaBackboneTest.tinyConfig();
    LlamaWeights w = LlamaWeights.random(c, 3);
    for (boolean ids : new boolean[] {true, false}) {
      CudaAudit.checkInference(LlamaHiddenStates.graph(w, ids), new ParameterSnapshot(Map.of()),
          false, DIMS, 150);
    }
    Graph g = new Graph("lora_step");
    LlamaBackbone bb = LlamaBackbone.create(g, w, LlamaBackbone.Options.loraTraining(
        LoraConfig.mmeSid(), 1));
    Tensor h = bb.forward(bb.embed(LlamaBackbone.inputIdsInput(g)),
        LlamaBackbone.attentionMaskInput(g));
    Tensor last = h.slice(1, 5, 6).squeeze(1);
    Tensor target = g.input("target", g.floatType(), Shape.mixed("B", (long) c.hiddenSize()));
    Tensor loss = NnOps.mse(last, target);
    try (Trainer t = new Trainer(loss, bb.trainableParameters(), TrainerConfig.builder(1)
        .optimizer(Optimizer.adamW(1e-3).withWeightDecay(0.01).withMaxGradNorm(1.0))
        .batchSize(2).epochs(1).runtime(CudaAudit.CUDA).build())) {
      CudaAudit.check(t.gradientGraph(), g, DIMS, 400);
      CudaAudit.check(t.optimizerGraph(), g, DIMS, 100);
    }
  }
}

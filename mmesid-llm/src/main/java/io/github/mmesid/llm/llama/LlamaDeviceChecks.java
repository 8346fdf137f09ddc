package io.github.mmesid.llm.llama;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Llama backbone's graphs at small sizes (two layers, grouped-query attention, Llama 3 RoPE
 * scaling) with inputs for one run, for device checks ({@link DeviceCheckCase}): the frozen
 * forward pass of {@link LlamaHiddenStates} from token ids, and a LoRA training update with
 * MME-SID's adapters (r 8 on gate/up/down, dropout 0.05 generated in the graph) and AdamW with
 * clipping, built for CUDA. Diagnostics only: training and inference do not use this class.
 */
public final class LlamaDeviceChecks {
  private static final int B = 2;
  private static final int T = 6;
  /** Input of the LoRA step's loss: the regression target of the last position. */
  static final String TARGET = "target";

  private LlamaDeviceChecks() {}

  /**
   * The small backbone's architecture.
   *
   * @return hidden 32, MLP 48, 2 layers, 4 query and 2 key/value heads, vocabulary 61
   */
  static LlamaConfig config() {
    return LlamaConfig.of(32, 48, 2, 4, 2, 61, 64).withRope(500_000, 1e-5)
        .withRopeScaling(Layers.RopeScaling.llama3(8, 1, 4, 64));
  }

  /**
   * The loss of the LoRA step this class checks (and {@code LoraStepTransferTest} measures):
   * token ids and attention mask {@code [B, t]} through the backbone, MSE of the last position's
   * hidden state against the input {@value #TARGET} {@code [B, hidden]}.
   *
   * @param g the graph of {@code bb}
   * @param bb the backbone, built for LoRA training
   * @param t the sequence length
   * @param hidden the backbone's hidden size
   * @return the scalar loss
   */
  static Tensor loraStepLoss(Graph g, LlamaBackbone bb, int t, int hidden) {
    Tensor h = bb.forward(bb.embed(LlamaBackbone.inputIdsInput(g)),
        LlamaBackbone.attentionMaskInput(g));
    Tensor last = h.slice(1, t - 1, t).squeeze(1);
    return NnOps.mse(last, g.input(TARGET, DType.FLOAT32, Shape.mixed("B", (long) hidden)));
  }

  /**
   * The cases: {@code llama_forward}, {@code llama_lora_grad}, {@code llama_lora_opt}.
   *
   * @return the cases
   */
  public static List<DeviceCheckCase> cases() {
    LlamaConfig c = config();
    LlamaWeights w = LlamaWeights.random(c, 3);
    long[] ids = new long[B * T];
    long[] mask = new long[B * T];
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < ids.length; i++) {
      boolean pad = i / T == 1 && i % T < 2; // the second row is left-padded by two
      ids[i] = pad ? 0 : r.nextInt(c.vocabSize());
      mask[i] = pad ? 0 : 1;
    }
    List<DeviceCheckCase> out = new ArrayList<>();
    Map<String, Tensor> fwd = LlamaHiddenStates.graph(w, true);
    Map<String, TensorData> in = new LinkedHashMap<>();
    in.put(LlamaBackbone.INPUT_IDS, TensorData.ofLongs(new long[] {B, T}, ids));
    in.put(LlamaBackbone.ATTENTION_MASK, TensorData.ofLongs(new long[] {B, T}, mask));
    out.add(DeviceCheckCase.ofOutputs("llama_forward", fwd, new ParameterSnapshot(Map.of()), false,
        in));

    Graph g = new Graph("llama_lora_step");
    LlamaBackbone bb = LlamaBackbone.create(g, w, LlamaBackbone.Options.loraTraining(
        LoraConfig.mmeSid(), 1));
    Tensor loss = loraStepLoss(g, bb, T, c.hiddenSize());
    float[] target = new float[B * c.hiddenSize()];
    for (int i = 0; i < target.length; i++) {
      target[i] = (float) r.nextGaussian();
    }
    InMemoryBatchSource data = InMemoryBatchSource.builder(B)
        .longs(LlamaBackbone.INPUT_IDS, ids, T).longs(LlamaBackbone.ATTENTION_MASK, mask, T)
        .floats(TARGET, target, c.hiddenSize()).build();
    try (Trainer t = new Trainer(loss, bb.trainableParameters(), TrainerConfig.builder(1)
        .optimizer(Optimizer.adamW(1e-3).withWeightDecay(0.01).withMaxGradNorm(1.0))
        .batchSize(B).epochs(1).logEvery(1_000_000).runtime(DeviceCheckCase.cudaPrefer())
        .build())) {
      out.addAll(DeviceCheckCase.ofTrainer("llama_lora", t, g, data,
          new int[] {0, 1}));
    }
    return out;
  }
}

package io.github.mmesid.llm.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.core.engine.train.TrainingResult;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.llm.llama.LlamaBackbone;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaHiddenStates;
import io.github.mmesid.llm.llama.LlamaTensorNames;
import io.github.mmesid.llm.llama.LlamaTensorNames.Module;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.llama.TrainingMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA: PEFT layout, save/load, merge, and training through the engine in each mode. */
class LoraTest {
  static final LlamaConfig C = LlamaConfig.of(16, 24, 2, 4, 2, 29, 32);
  static final int N = 24;
  static final int T = 6;

  @Test
  void saveAndLoadUsePeftNamesAndConfig(@TempDir Path dir) throws IOException {
    LoraConfig lc = LoraConfig.mmeSid();
    LoraAdapters ad = LoraAdapters.initialize(C, lc, 4);
    ad.save(dir, "meta-llama/Meta-Llama-3-8B-Instruct");
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertEquals("LORA", cfg.get("peft_type").asText());
    assertEquals(8, cfg.get("r").asInt());
    assertEquals(16.0, cfg.get("lora_alpha").asDouble());
    assertEquals(0.05, cfg.get("lora_dropout").asDouble());
    assertEquals("[\"gate_proj\",\"up_proj\",\"down_proj\"]", cfg.get("target_modules").toString());
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      assertTrue(f.contains("base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight"));
      assertArrayEquals(new long[] {24, 8},
          f.tensor("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight").shape());
      assertArrayEquals(new long[] {8, 24},
          f.tensor("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape());
      assertEquals(2 * 3 * 2, f.tensors().size());
    }
    LoraAdapters back = LoraAdapters.load(dir, C);
    assertEquals(lc, back.config());
    for (String n : ad.tensors().keySet()) {
      assertArrayEquals(ad.tensors().get(n).toFloats(), back.tensors().get(n).toFloats(), n);
    }
    Files.writeString(dir.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"target_modules\": "
            + "[\"gate_proj\"], \"use_dora\": true}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoraAdapters.load(dir, C));
    assertTrue(e.getMessage().contains("use_dora = true is not supported"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(4, 8, 0, "lm_head"));
  }

  /** Regression of the last position's hidden state on random token sequences. */
  static InMemoryBatchSource data() {
    SplittableRandom r = new SplittableRandom(3);
    long[] ids = new long[N * T];
    long[] mask = new long[N * T];
    float[] target = new float[N * C.hiddenSize()];
    for (int i = 0; i < N; i++) {
      int pad = i % 3;
      for (int t = 0; t < T; t++) {
        ids[i * T + t] = t < pad ? 0 : r.nextInt(C.vocabSize());
        mask[i * T + t] = t < pad ? 0 : 1;
      }
      for (int h = 0; h < C.hiddenSize(); h++) {
        target[i * C.hiddenSize() + h] = (ids[i * T + T - 1] % 2 == 0 ? 1 : -1) * (h % 2);
      }
    }
    return InMemoryBatchSource.builder(N).longs("input_ids", ids, T)
        .longs("attention_mask", mask, T).floats("target", target, C.hiddenSize()).build();
  }

  static Tensor loss(LlamaBackbone bb) {
    Graph g = bb.graph();
    Tensor hidden = bb.forward(bb.embed(LlamaBackbone.inputIdsInput(g)),
        LlamaBackbone.attentionMaskInput(g));
    Tensor last = hidden.slice(1, T - 1, T).squeeze(1);
    Tensor target = g.input("target", g.floatType(),
        io.github.mmesid.core.engine.graph.Shape.mixed("B", (long) C.hiddenSize()));
    return NnOps.mse(last, target);
  }

  static TrainerConfig config() {
    return TrainerConfig.builder(5).optimizer(Optimizer.adamW(2e-2).withWeightDecay(0))
        .batchSize(8).epochs(12).runtime(RuntimeOptions.builder().intraOpThreads(1).build())
        .logEvery(1000).build();
  }

  @Test
  void loraTrainingReducesLossAndTheSavedAdapterReproducesTheModel(@TempDir Path dir) {
    LlamaWeights base = LlamaWeights.random(C, 8);
    LoraConfig lc = LoraConfig.of(4, 8, 0.1, "q_proj", "v_proj", "gate_proj", "up_proj",
        "down_proj");
    Graph g = new Graph("lora_train");
    LlamaBackbone bb = LlamaBackbone.create(g, base, LlamaBackbone.Options.loraTraining(lc, 2));
    Tensor loss = loss(bb);
    List<Tensor> trainable = bb.trainableParameters();
    assertEquals(2 * 5 * 2, trainable.size());
    TrainingResult res;
    try (Trainer t = new Trainer(loss, trainable, config())) {
      res = t.train(data());
    }
    List<Double> h = res.lossHistory();
    double first = h.get(0);
    double last = h.subList(h.size() - 3, h.size()).stream().mapToDouble(d -> d).average()
        .orElseThrow();
    assertTrue(last < 0.7 * first, "LoRA loss should drop: " + first + " -> " + last);
    LoraAdapters trained = LoraAdapters.fromSnapshot(C, lc, res.parameters());
    double bNorm = 0;
    for (float v : trained.b(0, Module.GATE_PROJ).toFloats()) {
      bNorm += v * v;
    }
    assertTrue(bNorm > 0, "B stayed zero");
    trained.save(dir, null);
    LoraAdapters loaded = LoraAdapters.load(dir, C);
    // Inference: unmerged adapters (dropout off) vs merged weights give the same hidden states.
    long[][] ids = {{3, 1, 4, 1, 5, 9}, {2, 7, 1, 8, 2, 8}};
    LlamaWeights merged = loaded.mergeInto(base);
    float[] viaMerge;
    try (LlamaHiddenStates hs = LlamaHiddenStates.open(merged, RuntimeOptions.defaults())) {
      viaMerge = hs.run(ids).values();
    }
    Graph gi = new Graph("lora_infer");
    LlamaBackbone inf = LlamaBackbone.create(gi, base,
        new LlamaBackbone.Options(TrainingMode.LORA, lc, loaded, false, 0));
    Tensor out = inf.forward(inf.embed(LlamaBackbone.inputIdsInput(gi)),
        LlamaBackbone.attentionMaskInput(gi));
    try (var p = io.github.mmesid.core.engine.train.Predictor.create(gi,
        java.util.Map.of("h", out), new io.github.mmesid.core.engine.train.ParameterSnapshot(
            java.util.Map.of()), RuntimeOptions.defaults());
        var idT = io.github.mmesid.core.engine.runtime.HostTensor.of(
            new long[] {3, 1, 4, 1, 5, 9, 2, 7, 1, 8, 2, 8}, 2, 6);
        var m = io.github.mmesid.core.engine.runtime.HostTensor.of(new long[12], 2, 6);
        var r = prepMask(m).run(p, idT)) {
      float[] viaAdapters = r.get("h").toFloatArray();
      assertArrayEquals(viaMerge, viaAdapters, 2e-5f);
    }
    // Base weights are untouched by training (frozen sources).
    TensorData w0 = base.tensor(LlamaTensorNames.linear(0, Module.GATE_PROJ));
    assertArrayEquals(LlamaWeights.random(C, 8).tensor(LlamaTensorNames.linear(0,
        Module.GATE_PROJ)).toFloats(), w0.toFloats());
  }

  /** Fills a mask of ones and runs. */
  private static MaskRun prepMask(io.github.mmesid.core.engine.runtime.HostTensor m) {
    m.fill(1);
    return new MaskRun(m);
  }

  private record MaskRun(io.github.mmesid.core.engine.runtime.HostTensor mask) {
    io.github.mmesid.core.engine.runtime.RunOutputs run(
        io.github.mmesid.core.engine.train.Predictor p,
        io.github.mmesid.core.engine.runtime.HostTensor ids) {
      return p.run(java.util.Map.of("input_ids", ids, "attention_mask", mask));
    }
  }

  @Test
  void fullTrainingUpdatesBackboneWeights() {
    LlamaWeights init = LlamaWeights.random(C, 9);
    Graph g = new Graph("full_train");
    LlamaBackbone bb = LlamaBackbone.create(g, init, LlamaBackbone.Options.fullTraining());
    Tensor loss = loss(bb);
    assertEquals(2 * 9 + 2, bb.trainableParameters().size());
    TrainingResult res;
    try (Trainer t = new Trainer(loss, bb.trainableParameters(), config())) {
      res = t.train(data());
    }
    List<Double> h = res.lossHistory();
    assertTrue(h.get(h.size() - 1) < 0.7 * h.get(0), "loss " + h.get(0) + " -> "
        + h.get(h.size() - 1));
    float[] before = init.tensor(LlamaTensorNames.linear(1, Module.DOWN_PROJ)).toFloats();
    float[] after = res.parameters().floats(LlamaTensorNames.linear(1, Module.DOWN_PROJ));
    double diff = 0;
    for (int i = 0; i < before.length; i++) {
      diff = Math.max(diff, Math.abs(before[i] - after[i]));
    }
    assertTrue(diff > 1e-3, "FULL mode did not change the weights");
  }
}

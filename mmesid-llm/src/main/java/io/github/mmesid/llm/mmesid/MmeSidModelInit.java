package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.llama.TrainingMode;
import io.github.mmesid.llm.lora.LoraAdapters;
import io.github.mmesid.llm.tokenizer.EncodedPrompt;
import io.github.mmesid.llm.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The starting point of an MME-SID model: its spec, the item-side values (trainable parameters,
 * prompt table and frozen tables), the backbone weights and, for LoRA, freshly initialised
 * adapters.
 *
 * @param spec the model description
 * @param values item-side parameters, {@code prompt.embed} and the frozen tables
 * @param trainable the names in {@code values} that train
 * @param backbone the backbone weights
 * @param adapters initial LoRA adapters, or null
 */
record MmeSidModelInit(MmeSidSpec spec, Map<String, TensorData> values, List<String> trainable,
    LlamaWeights backbone, LoraAdapters adapters) {

  /**
   * Resolves the config against the inputs and initialises every value from the seed.
   *
   * @param config the hyperparameters
   * @param inputs modality tables, semantic IDs, optional checkpoint
   * @param trainingCounts {@code [N + 1]} training occurrences per item (index 0 ignored)
   * @return the initial model
   * @throws IllegalArgumentException if inputs and config do not fit together
   */
  static MmeSidModelInit create(MmeSidConfig config, MmeSidInputs inputs, long[] trainingCounts) {
    int n = inputs.catalog().numItems();
    if (trainingCounts.length != n + 1) {
      throw new IllegalArgumentException("the interactions have " + (trainingCounts.length - 1)
          + " items but the item tables have N = " + n + "; they must describe the same items "
          + "(row = item id)");
    }
    List<MmeSidSpec.Modality> mods = MmeSidSpec.modalities(config, inputs);
    Path ckpt = inputs.backboneCheckpoint();
    EncodedPrompt prompt;
    LlamaWeights weights;
    TrainingMode mode;
    float[] promptRows;
    long[] distinct;
    Object[] local;
    if (ckpt == null) {
      prompt = config.prompt().ids();
      local = MmeSidSpec.localPrompt(prompt);
      distinct = (long[]) local[0];
      LlamaConfig lc = config.backbonePreset().config(distinct.length);
      weights = unitNorms(LlamaWeights.random(lc, config.seed()));
      promptRows = weights.embed(localIds(distinct.length));
      mode = switch (config.backboneTraining()) {
        case DEFAULT, FULL -> TrainingMode.FULL;
        case LORA -> TrainingMode.LORA;
        case FROZEN -> TrainingMode.FROZEN;
      };
    } else {
      weights = LlamaWeights.load(ckpt);
      Path tok = ckpt.resolve("tokenizer.json");
      prompt = Files.isRegularFile(tok) ? config.prompt().encode(HfTokenizer.load(ckpt))
          : config.prompt().ids();
      local = MmeSidSpec.localPrompt(prompt);
      distinct = (long[]) local[0];
      for (long id : distinct) {
        if (id >= weights.config().vocabSize()) {
          throw new IllegalArgumentException(ckpt + " has no tokenizer.json and its vocabulary of "
              + weights.config().vocabSize() + " tokens lacks the Llama 3 prompt token " + id
              + "; add the checkpoint's tokenizer.json");
        }
      }
      promptRows = weights.embed(distinct);
      mode = switch (config.backboneTraining()) {
        case DEFAULT, LORA -> TrainingMode.LORA;
        case FULL -> TrainingMode.FULL;
        case FROZEN -> TrainingMode.FROZEN;
      };
    }
    MmeSidSpec spec = new MmeSidSpec(config, n, mods, weights.config(), mode, ckpt != null,
        distinct, (int[]) local[1], (int[]) local[2]);
    Map<String, TensorData> values = new LinkedHashMap<>(MmeSidNet.initialValues(spec, inputs));
    List<String> trainable = new ArrayList<>(values.keySet());
    int h = spec.hidden();
    values.put(MmeSidNet.PROMPT_EMBED, TensorData.ofFloats(new long[] {distinct.length, h},
        promptRows));
    if (mode == TrainingMode.FULL) {
      trainable.add(MmeSidNet.PROMPT_EMBED);
    }
    values.putAll(frozenTables(spec, inputs, trainingCounts));
    LoraAdapters adapters = mode == TrainingMode.LORA
        ? LoraAdapters.initialize(weights.config(), config.loraConfig(), config.seed()) : null;
    return new MmeSidModelInit(spec, values, trainable, weights, adapters);
  }

  private static long[] localIds(int d) {
    long[] ids = new long[d];
    for (int i = 0; i < d; i++) {
      ids[i] = i;
    }
    return ids;
  }

  /** Preset backbones start with unit RMSNorm weights, as Hugging Face initialises them. */
  private static LlamaWeights unitNorms(LlamaWeights w) {
    Map<String, TensorData> ones = new LinkedHashMap<>();
    for (Map.Entry<String, TensorData> e : w.tensors().entrySet()) {
      if (e.getValue().shape().length == 1) {
        ones.put(e.getKey(), Initializers.ones().create(0, e.getKey(), DType.FLOAT32,
            e.getValue().shape()));
      }
    }
    return w.withReplaced(ones);
  }

  /**
   * The frozen item tables: modality embeddings, raw codes (with SID embeddings) and the
   * frequency feature {@code f_i = minmax(log(1 + count_i))} over items 1..N (row 0 = 0).
   */
  static Map<String, TensorData> frozenTables(MmeSidSpec spec, MmeSidInputs inputs,
      long[] counts) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    int n = spec.numItems();
    for (MmeSidSpec.Modality m : spec.modalities()) {
      out.put(MmeSidNet.table(m.name()), TensorData.ofFloats(new long[] {n + 1L, m.dim()},
          inputs.catalog().flat(m.name())));
      if (spec.config().sidEmbeddings()) {
        int[][] codes = inputs.sid(m.name()).codes();
        long[] flat = new long[(n + 1) * m.levels()];
        for (int i = 1; i <= n; i++) {
          for (int l = 0; l < m.levels(); l++) {
            flat[i * m.levels() + l] = codes[i][l];
          }
        }
        out.put(MmeSidNet.codes(m.name()), TensorData.ofLongs(new long[] {n + 1L, m.levels()},
            flat));
      }
    }
    if (spec.config().scoring() == MmeSidConfig.Scoring.FUSED) {
      out.put(MmeSidNet.FREQ, TensorData.ofFloats(new long[] {n + 1L, 1}, frequency(counts)));
    }
    return out;
  }

  /** Min-max normalised {@code log(1 + count)} over items 1..N; 0 at index 0. */
  static float[] frequency(long[] counts) {
    int n = counts.length - 1;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 1; i <= n; i++) {
      double v = Math.log1p(counts[i]);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    float[] f = new float[n + 1];
    for (int i = 1; i <= n; i++) {
      f[i] = hi > lo ? (float) ((Math.log1p(counts[i]) - lo) / (hi - lo)) : 0f;
    }
    return f;
  }

}

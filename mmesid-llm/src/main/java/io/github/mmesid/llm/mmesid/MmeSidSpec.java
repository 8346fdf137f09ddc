package io.github.mmesid.llm.mmesid;

import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.TrainingMode;
import io.github.mmesid.llm.tokenizer.EncodedPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that fixes the shapes and wiring of one MME-SID model, resolved from a config and
 * the inputs: the modalities used with their sizes, the backbone architecture and how it trains,
 * and the prompt (its distinct Llama token ids and, for the prefix and suffix, indices into
 * them). Stored with a saved model.
 *
 * @param config the hyperparameters
 * @param numItems N
 * @param modalities the modalities in use, in order
 * @param llama the backbone architecture (for a preset, its vocabulary = the prompt's tokens)
 * @param mode which backbone weights train
 * @param checkpoint whether the backbone comes from a Hugging Face checkpoint
 * @param promptTokens the prompt's distinct Llama token ids (row {@code j} of the prompt table
 *     embeds {@code promptTokens[j]})
 * @param prefixLocal the prefix as indices into {@code promptTokens}
 * @param suffixLocal the suffix as indices into {@code promptTokens}
 */
record MmeSidSpec(MmeSidConfig config, int numItems, List<Modality> modalities, LlamaConfig llama,
    TrainingMode mode, boolean checkpoint, long[] promptTokens, int[] prefixLocal,
    int[] suffixLocal) {

  /**
   * One modality's sizes.
   *
   * @param name the name
   * @param dim d_m, the raw embedding size
   * @param levels L, semantic-ID levels (0 without SID embeddings)
   * @param codebookSize K (0 without SID embeddings)
   * @param sidDim e, the code vector size (0 without SID embeddings)
   */
  record Modality(String name, int dim, int levels, int codebookSize, int sidDim) {}

  MmeSidSpec {
    modalities = List.copyOf(modalities);
    if (modalities.isEmpty()) {
      throw new IllegalArgumentException("MME-SID needs at least one modality");
    }
    if (prefixLocal.length == 0) {
      throw new IllegalArgumentException("the prompt prefix is empty; MME-SID needs at least one "
          + "prefix token");
    }
  }

  /** The hidden size H. */
  int hidden() {
    return llama.hiddenSize();
  }

  /**
   * Resolves the modalities a config uses against the inputs.
   *
   * @param config the config
   * @param inputs the inputs
   * @return the modalities in use
   * @throws IllegalArgumentException if the config names an unknown modality or a modality lacks
   *     semantic IDs while SID embeddings are on
   */
  static List<Modality> modalities(MmeSidConfig config, MmeSidInputs inputs) {
    List<String> names = config.modalities().isEmpty() ? inputs.catalog().modalities()
        : config.modalities();
    List<Modality> out = new ArrayList<>();
    for (String m : names) {
      if (!inputs.catalog().hasModality(m)) {
        throw new IllegalArgumentException("MmeSidConfig.modalities names '" + m
            + "', which the inputs do not have; allowed: " + inputs.catalog().modalities());
      }
      int d = inputs.catalog().dim(m);
      if (config.sidEmbeddings()) {
        if (!inputs.sidModalities().contains(m)) {
          throw new IllegalArgumentException("modality '" + m + "' has no semantic IDs in the "
              + "inputs (those with IDs: " + inputs.sidModalities() + "); add them or turn off "
              + "sid_embeddings");
        }
        MmeSidInputs.SidTable s = inputs.sid(m);
        out.add(new Modality(m, d, s.levels(), s.codebookSize(), s.dim()));
      } else {
        out.add(new Modality(m, d, 0, 0, 0));
      }
    }
    return out;
  }

  /**
   * Maps a prompt to its distinct tokens and local indices.
   *
   * @param prompt prefix and suffix ids
   * @return {@code [distinct ids, prefix local, suffix local]} as a 3-element array of arrays
   */
  static Object[] localPrompt(EncodedPrompt prompt) {
    Map<Long, Integer> index = new LinkedHashMap<>();
    int[] pre = local(prompt.prefixIds(), index);
    int[] suf = local(prompt.suffixIds(), index);
    long[] distinct = index.keySet().stream().mapToLong(Long::longValue).toArray();
    return new Object[] {distinct, pre, suf};
  }

  private static int[] local(long[] ids, Map<Long, Integer> index) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = index.computeIfAbsent(ids[i], k -> index.size());
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MmeSidSpec s && s.config.equals(config) && s.numItems == numItems
        && s.modalities.equals(modalities) && s.llama.equals(llama) && s.mode == mode
        && s.checkpoint == checkpoint && Arrays.equals(s.promptTokens, promptTokens)
        && Arrays.equals(s.prefixLocal, prefixLocal) && Arrays.equals(s.suffixLocal, suffixLocal);
  }

  @Override
  public int hashCode() {
    return config.hashCode() * 31 + numItems;
  }

  @Override
  public String toString() {
    return "MmeSidSpec[items=" + numItems + ", modalities=" + modalities + ", backbone="
        + (checkpoint ? "checkpoint " : "preset ") + config.backbonePreset() + " " + mode
        + ", H=" + llama.hiddenSize() + ", prompt " + prefixLocal.length + "+" + suffixLocal.length
        + " tokens (" + promptTokens.length + " distinct)]";
  }
}

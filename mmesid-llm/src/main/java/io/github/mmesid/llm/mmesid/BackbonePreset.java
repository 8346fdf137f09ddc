package io.github.mmesid.llm.mmesid;

import io.github.mmesid.llm.llama.LlamaConfig;

/**
 * Llama-architecture backbones that MME-SID trains from scratch when no pretrained checkpoint is
 * given (none can be downloaded at run time). They have the Llama 3 layout (RMSNorm, RoPE with
 * theta 500000, grouped-query attention, SwiGLU MLP) but <b>no pretrained knowledge</b>: the
 * prompt tokens are learned embeddings like any other parameter. Their token table holds only
 * the prompt's distinct tokens, never a 128k-row vocabulary.
 */
public enum BackbonePreset {
  /** For tests and the quick start: hidden 32, 1 layer, 2 query heads, 1 key/value head. */
  TINY(32, 64, 1, 2, 1),
  /** The CPU default: hidden 256, 2 layers, 4 query heads, 2 key/value heads, MLP 768. */
  SMALL(256, 768, 2, 4, 2),
  /** A larger CPU model: hidden 512, 4 layers, 8 query heads, 2 key/value heads, MLP 1536. */
  BASE(512, 1536, 4, 8, 2);

  /** Longest sequence (prompt plus history) a preset backbone accepts. */
  public static final int MAX_POSITIONS = 4096;

  private final int hidden;
  private final int intermediate;
  private final int layers;
  private final int heads;
  private final int kvHeads;

  BackbonePreset(int hidden, int intermediate, int layers, int heads, int kvHeads) {
    this.hidden = hidden;
    this.intermediate = intermediate;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
  }

  /**
   * The architecture with a token table of {@code vocabSize} rows (the prompt's distinct tokens).
   *
   * @param vocabSize rows of the token table, {@code >= 1}
   * @return the Llama configuration
   */
  public LlamaConfig config(int vocabSize) {
    return LlamaConfig.of(hidden, intermediate, layers, heads, kvHeads, vocabSize, MAX_POSITIONS);
  }
}

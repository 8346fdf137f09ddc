package io.github.mmesid.llm.llama;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one place that knows Hugging Face's tensor names of a Llama checkpoint ({@code
 * LlamaForCausalLM} layout, {@code model.layers.{i}.self_attn.q_proj.weight}, ...), PEFT's LoRA
 * adapter names ({@code base_model.model.model.layers.{i}.mlp.gate_proj.lora_A.weight}) and the
 * expected shape of every tensor. Graph sources use the same names, so a trained parameter maps
 * back to its checkpoint tensor without translation.
 */
public final class LlamaTensorNames {
  private LlamaTensorNames() {}

  /** The token embedding table {@code [vocab, hidden]}. */
  public static final String EMBED_TOKENS = "model.embed_tokens.weight";
  /** The final RMSNorm weight {@code [hidden]}. */
  public static final String FINAL_NORM = "model.norm.weight";
  /**
   * The LM head of a {@code LlamaForCausalLM} checkpoint {@code [vocab, hidden]}: known, but not
   * needed by the backbone.
   */
  public static final String LM_HEAD = "lm_head.weight";
  /** The prefix PEFT puts before a base model's module names. */
  public static final String PEFT_PREFIX = "base_model.model.";

  private static final Pattern ROTARY_BUFFER =
      Pattern.compile("(model\\.)?layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

  /** The seven linear projections of a decoder layer, as named by Hugging Face and PEFT. */
  public enum Module {
    /** Query projection {@code [heads * headDim, hidden]}. */
    Q_PROJ("self_attn", "q_proj"),
    /** Key projection {@code [kvHeads * headDim, hidden]}. */
    K_PROJ("self_attn", "k_proj"),
    /** Value projection {@code [kvHeads * headDim, hidden]}. */
    V_PROJ("self_attn", "v_proj"),
    /** Attention output projection {@code [hidden, heads * headDim]}. */
    O_PROJ("self_attn", "o_proj"),
    /** MLP gate projection {@code [intermediate, hidden]}. */
    GATE_PROJ("mlp", "gate_proj"),
    /** MLP up projection {@code [intermediate, hidden]}. */
    UP_PROJ("mlp", "up_proj"),
    /** MLP down projection {@code [hidden, intermediate]}. */
    DOWN_PROJ("mlp", "down_proj");

    private final String block;
    private final String shortName;

    Module(String block, String shortName) {
      this.block = block;
      this.shortName = shortName;
    }

    /**
     * The name PEFT's {@code target_modules} uses, e.g. {@code gate_proj}.
     *
     * @return the short name
     */
    public String shortName() {
      return shortName;
    }

    /**
     * The module path inside a layer, e.g. {@code mlp.gate_proj}.
     *
     * @return the path
     */
    public String path() {
      return block + "." + shortName;
    }

    /**
     * Looks a module up by its short name.
     *
     * @param name e.g. {@code q_proj}
     * @return the module
     * @throws IllegalArgumentException if unknown; the message lists the allowed names
     */
    public static Module fromShortName(String name) {
      for (Module m : values()) {
        if (m.shortName.equals(name)) {
          return m;
        }
      }
      List<String> allowed = new ArrayList<>();
      for (Module m : values()) {
        allowed.add(m.shortName);
      }
      throw new IllegalArgumentException("Unknown Llama module '" + name + "'; allowed: "
          + allowed);
    }

    /**
     * Input features of this projection.
     *
     * @param c the configuration
     * @return {@code in}
     */
    public int inFeatures(LlamaConfig c) {
      switch (this) {
        case O_PROJ:
          return c.qDim();
        case DOWN_PROJ:
          return c.intermediateSize();
        default:
          return c.hiddenSize();
      }
    }

    /**
     * Output features of this projection.
     *
     * @param c the configuration
     * @return {@code out}
     */
    public int outFeatures(LlamaConfig c) {
      switch (this) {
        case Q_PROJ:
          return c.qDim();
        case K_PROJ:
        case V_PROJ:
          return c.kvDim();
        case GATE_PROJ:
        case UP_PROJ:
          return c.intermediateSize();
        default:
          return c.hiddenSize();
      }
    }
  }

  private static String layer(int i) {
    return "model.layers." + i + ".";
  }

  /**
   * A projection weight, e.g. {@code model.layers.3.mlp.up_proj.weight}.
   *
   * @param layer the layer index
   * @param m the module
   * @return the name
   */
  public static String linear(int layer, Module m) {
    return layer(layer) + m.path() + ".weight";
  }

  /**
   * The RMSNorm before attention, {@code model.layers.{i}.input_layernorm.weight}.
   *
   * @param layer the layer index
   * @return the name
   */
  public static String inputNorm(int layer) {
    return layer(layer) + "input_layernorm.weight";
  }

  /**
   * The RMSNorm before the MLP, {@code model.layers.{i}.post_attention_layernorm.weight}.
   *
   * @param layer the layer index
   * @return the name
   */
  public static String postAttentionNorm(int layer) {
    return layer(layer) + "post_attention_layernorm.weight";
  }

  /**
   * PEFT's name of a LoRA A matrix {@code [r, in]}, e.g. {@code
   * base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight}.
   *
   * @param layer the layer index
   * @param m the module
   * @return the name
   */
  public static String loraA(int layer, Module m) {
    return PEFT_PREFIX + layer(layer) + m.path() + ".lora_A.weight";
  }

  /**
   * PEFT's name of a LoRA B matrix {@code [out, r]}.
   *
   * @param layer the layer index
   * @param m the module
   * @return the name
   */
  public static String loraB(int layer, Module m) {
    return PEFT_PREFIX + layer(layer) + m.path() + ".lora_B.weight";
  }

  /**
   * The shape of a projection weight in Hugging Face layout {@code [out, in]}.
   *
   * @param c the configuration
   * @param m the module
   * @return the shape
   */
  public static long[] linearShape(LlamaConfig c, Module m) {
    return new long[] {m.outFeatures(c), m.inFeatures(c)};
  }

  /**
   * Every tensor the backbone needs with its shape, in model order (embedding, layers, final
   * norm).
   *
   * @param c the configuration
   * @return a new ordered map from name to shape
   */
  public static Map<String, long[]> backboneShapes(LlamaConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long h = c.hiddenSize();
    m.put(EMBED_TOKENS, new long[] {c.vocabSize(), h});
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      m.put(inputNorm(i), new long[] {h});
      for (Module mod : List.of(Module.Q_PROJ, Module.K_PROJ, Module.V_PROJ, Module.O_PROJ)) {
        m.put(linear(i, mod), linearShape(c, mod));
      }
      m.put(postAttentionNorm(i), new long[] {h});
      for (Module mod : List.of(Module.GATE_PROJ, Module.UP_PROJ, Module.DOWN_PROJ)) {
        m.put(linear(i, mod), linearShape(c, mod));
      }
    }
    m.put(FINAL_NORM, new long[] {h});
    return m;
  }

  /**
   * Whether a checkpoint tensor is known but not used by the backbone: the LM head, and the
   * rotary {@code inv_freq} buffers that old checkpoints contain.
   *
   * @param name a (normalised) checkpoint name
   * @return true if it may be ignored
   */
  public static boolean isKnownUnused(String name) {
    return name.equals(LM_HEAD) || ROTARY_BUFFER.matcher(name).matches();
  }

  /**
   * Maps a checkpoint name to the {@code LlamaForCausalLM} form: a bare {@code LlamaModel}
   * checkpoint stores {@code embed_tokens.weight}, {@code layers.0...} and {@code norm.weight}
   * without the {@code model.} prefix.
   *
   * @param name the name in the file
   * @param bare whether the checkpoint uses the bare {@code LlamaModel} layout
   * @return the normalised name
   */
  public static String normalize(String name, boolean bare) {
    if (bare && !name.equals(LM_HEAD)) {
      return "model." + name;
    }
    return name;
  }

  /**
   * Tells whether a set of checkpoint names is in the bare {@code LlamaModel} layout.
   *
   * @param names the names in the file
   * @return true if {@code embed_tokens.weight} or {@code norm.weight} appear without prefix
   */
  public static boolean isBareLayout(java.util.Collection<String> names) {
    return !names.contains(EMBED_TOKENS) && !names.contains(FINAL_NORM)
        && (names.contains("embed_tokens.weight") || names.contains("norm.weight"));
  }

  static String shape(long[] s) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < s.length; i++) {
      b.append(i == 0 ? "" : ", ").append(s[i]);
    }
    return b.append(']').toString().toLowerCase(Locale.ROOT);
  }
}

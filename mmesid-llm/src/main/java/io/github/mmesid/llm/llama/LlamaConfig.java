package io.github.mmesid.llm.llama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.engine.graph.Layers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The architecture of a Llama model as described by a Hugging Face {@code config.json}
 * ({@code LlamaConfig}): sizes, normalisation epsilon, rotary settings (including Llama 3.1
 * {@code rope_scaling}) and vocabulary. Instances are validated on construction: every
 * inconsistency (hidden size not divisible by the head count, key/value heads not dividing the
 * query heads, an odd head dimension, an unknown {@code rope_scaling} type, ...) is an {@link
 * IllegalArgumentException} naming the field, the value and what is allowed.
 *
 * <p>Fields absent from a {@code config.json} take Hugging Face's {@code LlamaConfig} defaults,
 * except the five sizes that define the weights ({@code hidden_size}, {@code intermediate_size},
 * {@code num_hidden_layers}, {@code num_attention_heads}, {@code vocab_size}), which are required.
 *
 * @param hiddenSize {@code hidden_size} (H)
 * @param intermediateSize {@code intermediate_size} of the SwiGLU MLP
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}
 * @param numKeyValueHeads {@code num_key_value_heads} (grouped-query attention), dividing the
 *     attention heads
 * @param headDim {@code head_dim}: per-head size, even (defaults to {@code hidden / heads})
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}
 * @param ropeScaling {@code rope_scaling} ({@link Layers.RopeScaling#none()} when absent)
 * @param maxPositionEmbeddings {@code max_position_embeddings}: the longest sequence accepted
 * @param vocabSize {@code vocab_size}
 * @param tieWordEmbeddings {@code tie_word_embeddings}
 * @param torchDtype {@code torch_dtype} as written (e.g. {@code "bfloat16"}), or null
 */
public record LlamaConfig(int hiddenSize, int intermediateSize, int numHiddenLayers,
    int numAttentionHeads, int numKeyValueHeads, int headDim, double rmsNormEps, double ropeTheta,
    Layers.RopeScaling ropeScaling, int maxPositionEmbeddings, int vocabSize,
    boolean tieWordEmbeddings, String torchDtype) {

  /** File name of the configuration in a Hugging Face checkpoint directory. */
  public static final String FILE_NAME = "config.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_CONFIG_BYTES = 1 << 20;

  /**
   * Validates the fields.
   *
   * @param hiddenSize see the record description
   * @param intermediateSize see the record description
   * @param numHiddenLayers see the record description
   * @param numAttentionHeads see the record description
   * @param numKeyValueHeads see the record description
   * @param headDim see the record description
   * @param rmsNormEps see the record description
   * @param ropeTheta see the record description
   * @param ropeScaling see the record description
   * @param maxPositionEmbeddings see the record description
   * @param vocabSize see the record description
   * @param tieWordEmbeddings see the record description
   * @param torchDtype see the record description
   */
  public LlamaConfig {
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositionEmbeddings);
    positive("vocab_size", vocabSize);
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException("num_key_value_heads " + numKeyValueHeads
          + " does not divide num_attention_heads " + numAttentionHeads
          + "; allowed: a divisor of num_attention_heads (grouped-query attention)");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim " + headDim
          + " is odd; rotary embeddings need an even head dimension");
    }
    if (!(rmsNormEps > 0) || !Double.isFinite(rmsNormEps)) {
      throw new IllegalArgumentException("rms_norm_eps must be finite and > 0, got " + rmsNormEps);
    }
    if (!(ropeTheta > 1) || !Double.isFinite(ropeTheta)) {
      throw new IllegalArgumentException("rope_theta must be finite and > 1, got " + ropeTheta);
    }
    if (ropeScaling == null) {
      throw new IllegalArgumentException("ropeScaling must not be null; use RopeScaling.none()");
    }
    long q = (long) numAttentionHeads * headDim;
    if (q > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("num_attention_heads * head_dim = " + q
          + " is too large; allowed at most " + Integer.MAX_VALUE);
    }
  }

  private static void positive(String field, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + v);
    }
  }

  /**
   * A configuration without {@code head_dim}, {@code rope_scaling} or dtype: the head dimension
   * is {@code hidden / heads}, which must divide evenly.
   *
   * @param hiddenSize hidden size
   * @param intermediateSize MLP size
   * @param numHiddenLayers layers
   * @param numAttentionHeads query heads, dividing the hidden size
   * @param numKeyValueHeads key/value heads, dividing the query heads
   * @param vocabSize vocabulary size
   * @param maxPositionEmbeddings longest sequence
   * @return the configuration with rms_norm_eps 1e-5 and rope_theta 500000 (Llama 3 values)
   */
  public static LlamaConfig of(int hiddenSize, int intermediateSize, int numHiddenLayers,
      int numAttentionHeads, int numKeyValueHeads, int vocabSize, int maxPositionEmbeddings) {
    return new LlamaConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
        numKeyValueHeads, defaultHeadDim(hiddenSize, numAttentionHeads), 1e-5, 500000.0,
        Layers.RopeScaling.none(), maxPositionEmbeddings, vocabSize, false, null);
  }

  /**
   * The same configuration with another rope scaling.
   *
   * @param scaling the scaling
   * @return a new configuration
   */
  public LlamaConfig withRopeScaling(Layers.RopeScaling scaling) {
    return new LlamaConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
        numKeyValueHeads, headDim, rmsNormEps, ropeTheta, scaling, maxPositionEmbeddings,
        vocabSize, tieWordEmbeddings, torchDtype);
  }

  /**
   * The same configuration with another rope theta and RMSNorm epsilon.
   *
   * @param theta {@code rope_theta}
   * @param eps {@code rms_norm_eps}
   * @return a new configuration
   */
  public LlamaConfig withRope(double theta, double eps) {
    return new LlamaConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
        numKeyValueHeads, headDim, eps, theta, ropeScaling, maxPositionEmbeddings, vocabSize,
        tieWordEmbeddings, torchDtype);
  }

  /**
   * The same configuration with another {@code torch_dtype} and {@code tie_word_embeddings}.
   *
   * @param dtype {@code torch_dtype} to record, or null
   * @param tie whether the LM head shares the embedding table
   * @return a new configuration
   */
  public LlamaConfig withDtypeAndTie(String dtype, boolean tie) {
    return new LlamaConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
        numKeyValueHeads, headDim, rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings,
        vocabSize, tie, dtype);
  }

  private static int defaultHeadDim(int hidden, int heads) {
    positive("num_attention_heads", heads);
    if (hidden % heads != 0) {
      throw new IllegalArgumentException("hidden_size " + hidden
          + " is not divisible by num_attention_heads " + heads
          + "; allowed: a multiple of the head count (or give head_dim explicitly)");
    }
    return hidden / heads;
  }

  /**
   * Query heads per key/value head.
   *
   * @return {@code numAttentionHeads / numKeyValueHeads}
   */
  public int kvGroups() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /**
   * Width of the concatenated query heads ({@code q_proj} output).
   *
   * @return {@code numAttentionHeads * headDim}
   */
  public int qDim() {
    return numAttentionHeads * headDim;
  }

  /**
   * Width of the concatenated key (or value) heads.
   *
   * @return {@code numKeyValueHeads * headDim}
   */
  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  /**
   * Number of backbone parameters (embedding table, layers, final norm; no LM head).
   *
   * @return the count
   */
  public long backboneParameterCount() {
    long h = hiddenSize;
    long perLayer = h * qDim() + 2 * h * kvDim() + (long) qDim() * h + 3 * h * intermediateSize
        + 2 * h;
    return (long) vocabSize * h + numHiddenLayers * perLayer + h;
  }

  /**
   * Floating-point operations of one backbone forward pass over {@code tokens} tokens of
   * sequences of length {@code seqLen} (2 per multiply-add; projections, attention scores and
   * weighted sums; element-wise work ignored).
   *
   * @param batch sequences
   * @param seqLen tokens per sequence
   * @return the FLOP count
   */
  public double forwardFlops(int batch, int seqLen) {
    double tokens = (double) batch * seqLen;
    double h = hiddenSize;
    double proj = 2 * tokens * (h * qDim() + 2 * h * kvDim() + (double) qDim() * h
        + 3 * h * intermediateSize);
    double attn = 2 * 2 * (double) batch * numAttentionHeads * seqLen * (double) seqLen * headDim;
    return numHiddenLayers * (proj + attn);
  }

  // ------------------------------------------------------------------ JSON

  /**
   * Reads {@code config.json} from a checkpoint directory or a file path.
   *
   * @param fileOrDirectory the file, or a directory containing {@value #FILE_NAME}
   * @return the validated configuration
   * @throws IllegalArgumentException if the file is malformed or inconsistent (the message names
   *     the file)
   * @throws UncheckedIOException if it cannot be read
   */
  public static LlamaConfig read(Path fileOrDirectory) {
    Path file = Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve(FILE_NAME)
        : fileOrDirectory;
    try {
      long size = Files.size(file);
      if (size > MAX_CONFIG_BYTES) {
        throw new IllegalArgumentException(file + ": " + size + " bytes; a config.json may be at "
            + "most " + MAX_CONFIG_BYTES + " bytes");
      }
      return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read the Llama config", e);
    }
  }

  /**
   * Parses the JSON text of a {@code config.json}.
   *
   * @param json the text
   * @param source where it came from, for messages
   * @return the validated configuration
   * @throws IllegalArgumentException if the JSON is malformed, required fields are missing, or
   *     values are invalid or inconsistent; the message starts with {@code source}
   */
  public static LlamaConfig parse(String json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": a config.json must hold a JSON object");
    }
    try {
      return fromJson(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static LlamaConfig fromJson(JsonNode root) {
    List<String> missing = new ArrayList<>();
    for (String f : List.of("hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "vocab_size")) {
      if (!root.hasNonNull(f)) {
        missing.add(f);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("missing required field(s) " + missing
          + "; a Llama config.json needs hidden_size, intermediate_size, num_hidden_layers, "
          + "num_attention_heads and vocab_size");
    }
    String modelType = text(root, "model_type", null);
    if (modelType != null && !modelType.equals("llama")) {
      throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; "
          + "allowed: llama");
    }
    String act = text(root, "hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new IllegalArgumentException("hidden_act '" + act + "' is not supported; allowed: "
          + "silu");
    }
    for (String f : List.of("attention_bias", "mlp_bias")) {
      if (root.hasNonNull(f) && root.get(f).asBoolean(false)) {
        throw new IllegalArgumentException(f + " = true is not supported; allowed: false");
      }
    }
    int hidden = intField(root, "hidden_size", 0);
    int heads = intField(root, "num_attention_heads", 0);
    int kv = intField(root, "num_key_value_heads", heads);
    int headDim = root.hasNonNull("head_dim") ? intField(root, "head_dim", 0)
        : defaultHeadDim(hidden, heads);
    double eps = doubleField(root, "rms_norm_eps", 1e-6);
    double theta = doubleField(root, "rope_theta", 10000.0);
    Layers.RopeScaling scaling = ropeScaling(root.get("rope_scaling"));
    int maxPos = intField(root, "max_position_embeddings", 2048);
    int vocab = intField(root, "vocab_size", 0);
    boolean tie = root.hasNonNull("tie_word_embeddings")
        ? bool(root, "tie_word_embeddings") : false;
    String dtype = text(root, "torch_dtype", null);
    return new LlamaConfig(hidden, intField(root, "intermediate_size", 0),
        intField(root, "num_hidden_layers", 0), heads, kv, headDim, eps, theta, scaling, maxPos,
        vocab, tie, dtype);
  }

  private static Layers.RopeScaling ropeScaling(JsonNode n) {
    if (n == null || n.isNull()) {
      return Layers.RopeScaling.none();
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("rope_scaling must be an object or null, got " + n);
    }
    String type = text(n, "rope_type", null);
    if (type == null) {
      type = text(n, "type", null);
    }
    if (type == null) {
      throw new IllegalArgumentException("rope_scaling has neither 'rope_type' nor 'type'; "
          + "allowed types: default, linear, llama3");
    }
    switch (type) {
      case "default":
        return Layers.RopeScaling.none();
      case "linear":
        return Layers.RopeScaling.linear(doubleRequired(n, "factor", "rope_scaling.factor"));
      case "llama3":
        return Layers.RopeScaling.llama3(doubleRequired(n, "factor", "rope_scaling.factor"),
            doubleRequired(n, "low_freq_factor", "rope_scaling.low_freq_factor"),
            doubleRequired(n, "high_freq_factor", "rope_scaling.high_freq_factor"),
            (long) doubleRequired(n, "original_max_position_embeddings",
                "rope_scaling.original_max_position_embeddings"));
      default:
        throw new IllegalArgumentException("unknown rope_scaling type '" + type
            + "'; allowed: default, linear, llama3");
    }
  }

  private static String text(JsonNode n, String f, String dflt) {
    JsonNode v = n.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(f + " must be a string, got " + v);
    }
    return v.asText();
  }

  private static boolean bool(JsonNode n, String f) {
    JsonNode v = n.get(f);
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(f + " must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static int intField(JsonNode n, String f, int dflt) {
    JsonNode v = n.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(f + " must be an integer in [1, " + Integer.MAX_VALUE
          + "], got " + v);
    }
    return v.asInt();
  }

  private static double doubleField(JsonNode n, String f, double dflt) {
    JsonNode v = n.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(f + " must be a number, got " + v);
    }
    return v.asDouble();
  }

  private static double doubleRequired(JsonNode n, String f, String what) {
    JsonNode v = n.get(f);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(what + " is missing or not a number (got " + v + ")");
    }
    return v.asDouble();
  }

  /**
   * This configuration as a Hugging Face {@code config.json} of a {@code LlamaForCausalLM}.
   *
   * @return the JSON text
   */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add("LlamaForCausalLM");
    o.put("model_type", "llama");
    o.put("hidden_act", "silu");
    o.put("attention_bias", false);
    o.put("mlp_bias", false);
    o.put("hidden_size", hiddenSize);
    o.put("intermediate_size", intermediateSize);
    o.put("num_hidden_layers", numHiddenLayers);
    o.put("num_attention_heads", numAttentionHeads);
    o.put("num_key_value_heads", numKeyValueHeads);
    o.put("head_dim", headDim);
    o.put("rms_norm_eps", rmsNormEps);
    o.put("rope_theta", ropeTheta);
    if ("default".equals(ropeScaling.type())) {
      o.putNull("rope_scaling");
    } else {
      ObjectNode r = o.putObject("rope_scaling");
      r.put("rope_type", ropeScaling.type());
      r.put("factor", ropeScaling.factor());
      if ("llama3".equals(ropeScaling.type())) {
        r.put("low_freq_factor", ropeScaling.lowFreqFactor());
        r.put("high_freq_factor", ropeScaling.highFreqFactor());
        r.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
      }
    }
    o.put("max_position_embeddings", maxPositionEmbeddings);
    o.put("vocab_size", vocabSize);
    o.put("tie_word_embeddings", tieWordEmbeddings);
    if (torchDtype != null) {
      o.put("torch_dtype", torchDtype);
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialise a Llama config", e);
    }
  }

  /**
   * Writes {@value #FILE_NAME} into a directory atomically.
   *
   * @param directory the checkpoint directory (created if needed)
   * @return the file written
   * @throws UncheckedIOException on IO failure
   */
  public Path write(Path directory) {
    Path file = directory.resolve(FILE_NAME);
    AtomicFiles.writeString(file, toJson() + "\n");
    return file;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LlamaConfig[H=%d, I=%d, L=%d, heads=%d, kv=%d, d=%d, "
        + "V=%d, maxPos=%d, rope=%s theta=%.0f]", hiddenSize, intermediateSize, numHiddenLayers,
        numAttentionHeads, numKeyValueHeads, headDim, vocabSize, maxPositionEmbeddings,
        ropeScaling.type(), ropeTheta);
  }
}

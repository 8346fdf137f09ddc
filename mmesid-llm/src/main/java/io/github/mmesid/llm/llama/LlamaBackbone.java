package io.github.mmesid.llm.llama;

import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Dim;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.MathOps;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.llm.llama.LlamaTensorNames.Module;
import io.github.mmesid.llm.lora.LoraAdapters;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Llama decoder stack as a recipe on the engine's graph: {@code inputs_embeds [B, T, H]} and
 * {@code attention_mask [B, T]} (1 = token, 0 = padding; left padding) give the final hidden
 * states {@code [B, T, H]} after the final RMSNorm, exactly as Hugging Face's {@code LlamaModel}:
 * pre-norm decoder layers with RMSNorm, rotary embeddings in the rotate-half layout (with llama3
 * frequency scaling) at position ids that skip left padding, grouped-query attention under a
 * causal + padding mask, and a SwiGLU MLP ({@code down(silu(gate(x)) * up(x))}).
 *
 * <p>The weights become graph sources named as in the checkpoint. With {@link TrainingMode#LORA}
 * and {@link TrainingMode#FROZEN} they are FROZEN sources, which the exporter keeps out of the
 * ONNX protobuf (bound in place at run time), so a large checkpoint is never copied; with {@link
 * TrainingMode#FULL} they are trainable parameters. LoRA adds trainable A and B matrices under
 * PEFT's names to each targeted projection: {@code y = x W^T + (alpha/r) * dropout(x) A^T B^T}.
 *
 * <p>Outputs at padding positions are finite but meaningless (fully masked query rows attend
 * uniformly, and the additive mask absorbs their scores, so their gradient does not match a
 * finite difference); losses must ignore them. A backbone is built on one graph; {@link #forward} may be
 * called more than once (the weights are shared).
 */
public final class LlamaBackbone {
  /** Name of the embeddings input made by {@link #inputsEmbedsInput}. */
  public static final String INPUTS_EMBEDS = "inputs_embeds";
  /** Name of the mask input made by {@link #attentionMaskInput}. */
  public static final String ATTENTION_MASK = "attention_mask";
  /** Name of the token-id input made by {@link #inputIdsInput}. */
  public static final String INPUT_IDS = "input_ids";

  private final Graph graph;
  private final LlamaConfig config;
  private final LlamaWeights weights;
  private final Options options;
  private final Map<String, Tensor> sources = new LinkedHashMap<>();
  private final List<Tensor> trainable = new ArrayList<>();
  private List<Tensor> embeddingBlocks;
  private int forwardCalls;

  /**
   * How the backbone is built.
   *
   * @param mode which weights train
   * @param lora the LoRA configuration (required for {@link TrainingMode#LORA}, ignored
   *     otherwise)
   * @param adapters initial adapter values (e.g. loaded ones), or null for PEFT's initialisation
   * @param training whether the graph is for training (LoRA dropout active) or inference
   * @param seed seed of the adapter initialisation
   */
  public record Options(TrainingMode mode, LoraConfig lora, LoraAdapters adapters,
      boolean training, long seed) {
    /**
     * Validates the combination.
     *
     * @param mode see the record description
     * @param lora see the record description
     * @param adapters see the record description
     * @param training see the record description
     * @param seed see the record description
     */
    public Options {
      if (mode == null) {
        throw new IllegalArgumentException("mode must not be null; allowed: LORA, FULL, FROZEN");
      }
      if (mode == TrainingMode.LORA && lora == null) {
        throw new IllegalArgumentException("TrainingMode.LORA needs a LoraConfig");
      }
      if (adapters != null && lora != null && !adapters.config().equals(lora)) {
        throw new IllegalArgumentException("The adapters' config " + adapters.config()
            + " differs from the LoRA config " + lora);
      }
    }

    /**
     * An inference backbone without adapters.
     *
     * @return frozen, no LoRA, not training
     */
    public static Options inference() {
      return new Options(TrainingMode.FROZEN, null, null, false, 0);
    }

    /**
     * LoRA training with PEFT's initialisation.
     *
     * @param lora the configuration
     * @param seed the initialisation seed
     * @return the options
     */
    public static Options loraTraining(LoraConfig lora, long seed) {
      return new Options(TrainingMode.LORA, lora, null, true, seed);
    }

    /**
     * Full training from the given weights (e.g. {@link LlamaWeights#random}).
     *
     * @return the options
     */
    public static Options fullTraining() {
      return new Options(TrainingMode.FULL, null, null, true, 0);
    }
  }

  private LlamaBackbone(Graph graph, LlamaWeights weights, Options options) {
    this.graph = graph;
    this.config = weights.config();
    this.weights = weights;
    this.options = options;
    for (Map.Entry<String, TensorData> e : weights.tensors().entrySet()) {
      declare(e.getKey(), e.getValue(), options.mode() == TrainingMode.FULL);
    }
    if (options.mode() == TrainingMode.LORA) {
      LoraAdapters ad = options.adapters() != null ? options.adapters()
          : LoraAdapters.initialize(config, options.lora(), options.seed());
      if (!ad.llamaConfig().equals(config)) {
        throw new IllegalArgumentException("Adapters for " + ad.llamaConfig()
            + " do not fit backbone " + config);
      }
      for (Map.Entry<String, TensorData> e : ad.tensors().entrySet()) {
        declare(e.getKey(), e.getValue(), true);
      }
    }
  }

  /**
   * Declares the backbone's weights on a graph.
   *
   * @param graph the graph (float32, or float64 for checks: weights are then widened)
   * @param weights the weights
   * @param options mode, LoRA and training flag
   * @return the backbone
   */
  public static LlamaBackbone create(Graph graph, LlamaWeights weights, Options options) {
    return new LlamaBackbone(graph, weights, options);
  }

  private void declare(String name, TensorData value, boolean parameter) {
    TensorData v = value;
    if (graph.floatType() == DType.FLOAT64) {
      v = TensorData.ofDoubles(value.shape(), value.toDoubles());
    }
    Tensor t = parameter ? graph.parameter(name, v) : graph.frozen(name, v);
    sources.put(name, t);
    if (parameter) {
      trainable.add(t);
    }
  }

  // ------------------------------------------------------------------ inputs

  /**
   * Declares the {@value #INPUTS_EMBEDS} input {@code [B, T, H]} in the graph's float type.
   *
   * @param graph the graph
   * @param config the architecture
   * @return the input
   */
  public static Tensor inputsEmbedsInput(Graph graph, LlamaConfig config) {
    return graph.input(INPUTS_EMBEDS, graph.floatType(),
        Shape.mixed("B", "T", (long) config.hiddenSize()));
  }

  /**
   * Declares the {@value #ATTENTION_MASK} input, INT64 {@code [B, T]}.
   *
   * @param graph the graph
   * @return the input
   */
  public static Tensor attentionMaskInput(Graph graph) {
    return graph.input(ATTENTION_MASK, DType.INT64, Shape.mixed("B", "T"));
  }

  /**
   * Declares the {@value #INPUT_IDS} input, INT64 {@code [B, T]}.
   *
   * @param graph the graph
   * @return the input
   */
  public static Tensor inputIdsInput(Graph graph) {
    return graph.input(INPUT_IDS, DType.INT64, Shape.mixed("B", "T"));
  }

  // ------------------------------------------------------------------ recipe

  /**
   * Token embeddings through the embedding table: {@code ids [B, T] -> [B, T, H]}. A table held
   * in several row blocks is looked up block by block. Ids must lie in {@code [0, vocab)} (see
   * {@link LlamaHiddenStates}, which checks them). In FULL mode the table is trainable.
   *
   * @param ids INT64 token ids
   * @return the embeddings
   */
  public Tensor embed(Tensor ids) {
    if (!weights.hasEmbeddings()) {
      throw new IllegalArgumentException("The embedding table was not loaded; load the weights "
          + "with LoadOptions.embeddings = true to use token ids");
    }
    if (ids.dtype() != DType.INT64 && ids.dtype() != DType.INT32) {
      throw new IllegalArgumentException("Token ids must be INT64 or INT32, got " + ids);
    }
    if (embeddingBlocks == null) {
      embeddingBlocks = new ArrayList<>();
      List<TensorData> blocks = weights.embeddingBlocks();
      for (int i = 0; i < blocks.size(); i++) {
        String name = blocks.size() == 1 ? LlamaTensorNames.EMBED_TOKENS
            : LlamaTensorNames.EMBED_TOKENS + ".block" + i;
        declare(name, blocks.get(i), options.mode() == TrainingMode.FULL);
        embeddingBlocks.add(sources.get(name));
      }
    }
    if (embeddingBlocks.size() == 1) {
      return ArrayOps.gather(embeddingBlocks.get(0), ids);
    }
    Tensor id64 = ArrayOps.cast(ids, DType.INT64);
    long rows = weights.embeddingBlockRows();
    Tensor sum = null;
    for (int i = 0; i < embeddingBlocks.size(); i++) {
      Tensor block = embeddingBlocks.get(i);
      long lo = i * rows;
      long n = block.shape().dim(0).value();
      Tensor local = MathOps.sub(id64, graph.scalar(lo, DType.INT64));
      Tensor inBlock = ArrayOps.logicalAnd(
          ArrayOps.compare("GreaterOrEqual", local, graph.scalar(0, DType.INT64)),
          ArrayOps.compare("Less", local, graph.scalar(n, DType.INT64)));
      Tensor clamped = ArrayOps.where(inBlock, local, graph.scalar(0, DType.INT64));
      Tensor e = ArrayOps.where(ArrayOps.unsqueeze(inBlock, -1),
          ArrayOps.gather(block, clamped), graph.scalarLike(0, block));
      sum = sum == null ? e : sum.add(e);
    }
    return sum;
  }

  /**
   * The decoder stack: embeddings and mask to the final hidden states.
   *
   * @param inputsEmbeds {@code [B, T, H]} in the graph's float type (dimensions named, e.g. by
   *     {@link #inputsEmbedsInput}, when LoRA dropout is active)
   * @param attentionMask {@code [B, T]} INT64, INT32 or BOOL; 1 for tokens, 0 for (left) padding
   * @return the hidden states {@code [B, T, H]} after the final norm
   */
  public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask) {
    checkInputs(inputsEmbeds, attentionMask);
    int call = forwardCalls++;
    Tensor mask = Layers.causalPaddingMask(attentionMask);
    Tensor positions = ArrayOps.positionIds(attentionMask);
    Layers.RopeTables rope = Layers.ropeCosSin(positions, config.headDim(), config.ropeTheta(),
        config.ropeScaling());
    double eps = config.rmsNormEps();
    Tensor h = inputsEmbeds;
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      Tensor x = Layers.rmsNorm(h, w(LlamaTensorNames.inputNorm(i)), eps);
      Tensor q = heads(proj(x, i, Module.Q_PROJ, call), config.numAttentionHeads());
      Tensor k = heads(proj(x, i, Module.K_PROJ, call), config.numKeyValueHeads());
      Tensor v = heads(proj(x, i, Module.V_PROJ, call), config.numKeyValueHeads());
      q = Layers.applyRope(q, rope.cos(), rope.sin());
      k = Layers.applyRope(k, rope.cos(), rope.sin());
      h = attentionAndMlp(h, q, k, v, mask, i, call);
    }
    return Layers.rmsNorm(h, w(LlamaTensorNames.FINAL_NORM), eps);
  }

  private void checkInputs(Tensor inputsEmbeds, Tensor attentionMask) {
    if (inputsEmbeds.rank() != 3 || !inputsEmbeds.shape().dim(2).isKnown()
        || inputsEmbeds.shape().dim(2).value() != config.hiddenSize()) {
      throw new IllegalArgumentException("inputs_embeds must be [B, T, " + config.hiddenSize()
          + "], got " + inputsEmbeds);
    }
    if (inputsEmbeds.dtype() != graph.floatType()) {
      throw new IllegalArgumentException("inputs_embeds must have the graph's float type "
          + graph.floatType() + ", got " + inputsEmbeds);
    }
    if (attentionMask.rank() != 2) {
      throw new IllegalArgumentException("attention_mask must be [B, T], got " + attentionMask);
    }
  }

  /**
   * The keys and values every decoder layer computes for a prompt prefix that all rows of a batch
   * share, so that the prefix is processed once instead of once per row.
   *
   * @param keys per layer {@code [1, Hkv, P, D]}, rotary embeddings applied
   * @param values per layer {@code [1, Hkv, P, D]}
   * @param length the prefix length P
   */
  public record PrefixCache(List<Tensor> keys, List<Tensor> values, long length) {
    /**
     * Validates and copies.
     *
     * @param keys see the record description
     * @param values see the record description
     * @param length see the record description
     */
    public PrefixCache {
      keys = List.copyOf(keys);
      values = List.copyOf(values);
      if (keys.size() != values.size() || length < 1) {
        throw new IllegalArgumentException("a prefix cache needs as many keys as values and a "
            + "length >= 1, got " + keys.size() + " keys, " + values.size() + " values, length "
            + length);
      }
    }
  }

  /**
   * Runs the decoder layers over a shared prefix (positions {@code 0..P-1}, causal attention, no
   * padding) and returns each layer's keys and values. The last layer's attention output and
   * MLP are not needed for them and are not built. In a training graph the gradients of the
   * batch's loss flow back through the cache into the prefix and the weights.
   *
   * @param prefixEmbeds {@code [1, P, H]} with a known P, in the graph's float type
   * @return the cache for {@link #forward(Tensor, Tensor, PrefixCache)}
   */
  public PrefixCache prefix(Tensor prefixEmbeds) {
    if (prefixEmbeds.rank() != 3 || !prefixEmbeds.shape().isStatic()
        || prefixEmbeds.shape().dim(0).value() != 1
        || prefixEmbeds.shape().dim(2).value() != config.hiddenSize()) {
      throw new IllegalArgumentException("prefix embeddings must be [1, P, " + config.hiddenSize()
          + "] with a known P, got " + prefixEmbeds);
    }
    int call = forwardCalls++;
    long p = prefixEmbeds.shape().dim(1).value();
    Tensor positions = ArrayOps.unsqueeze(ArrayOps.arange(prefixEmbeds, 1), 0);
    Layers.RopeTables rope = Layers.ropeCosSin(positions, config.headDim(), config.ropeTheta(),
        config.ropeScaling());
    Tensor mask = Layers.additiveMask(Layers.causalMask(prefixEmbeds, 1), graph.floatType());
    double eps = config.rmsNormEps();
    List<Tensor> keys = new ArrayList<>();
    List<Tensor> values = new ArrayList<>();
    Tensor h = prefixEmbeds;
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      Tensor x = Layers.rmsNorm(h, w(LlamaTensorNames.inputNorm(i)), eps);
      Tensor k = Layers.applyRope(heads(proj(x, i, Module.K_PROJ, call), config.numKeyValueHeads()),
          rope.cos(), rope.sin());
      Tensor v = heads(proj(x, i, Module.V_PROJ, call), config.numKeyValueHeads());
      keys.add(k);
      values.add(v);
      if (i + 1 == config.numHiddenLayers()) {
        break;
      }
      Tensor q = Layers.applyRope(heads(proj(x, i, Module.Q_PROJ, call),
          config.numAttentionHeads()), rope.cos(), rope.sin());
      h = attentionAndMlp(h, q, k, v, mask, i, call);
    }
    return new PrefixCache(keys, values, p);
  }

  /**
   * The decoder stack over sequences that continue a shared prefix: every position attends to
   * all prefix positions (through the cache) and, causally, to the tokens of its own row;
   * position ids continue after the prefix ({@code P + positionIds(mask)}). The result equals
   * {@link #forward(Tensor, Tensor)} over {@code [prefix, row]} concatenated, left padding
   * placed before the prefix.
   *
   * @param inputsEmbeds {@code [B, T, H]} in the graph's float type
   * @param attentionMask {@code [B, T]}, 1 for tokens, 0 for (left) padding
   * @param prefix the shared prefix's keys and values (from {@link #prefix} or precomputed)
   * @return the hidden states {@code [B, T, H]} after the final norm
   */
  public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask, PrefixCache prefix) {
    checkInputs(inputsEmbeds, attentionMask);
    if (prefix.keys().size() != config.numHiddenLayers()) {
      throw new IllegalArgumentException("the prefix cache has " + prefix.keys().size()
          + " layers; the backbone has " + config.numHiddenLayers());
    }
    int call = forwardCalls++;
    long p = prefix.length();
    Tensor own = Layers.causalPaddingMask(attentionMask); // [B, 1, T, T]
    Tensor batch = ArrayOps.dimVector(attentionMask, 0);
    Tensor time = ArrayOps.dimVector(attentionMask, 1);
    Tensor zerosShape = ArrayOps.concat(0, batch, graph.int64s(1), time, graph.int64s(p));
    Tensor open = ArrayOps.constantOfShape(zerosShape, 0, graph.floatType(),
        Shape.of(List.of(attentionMask.shape().dim(0), Dim.of(1),
            attentionMask.shape().dim(1), Dim.of(p))));
    Tensor mask = ArrayOps.concat(3, open, own);
    Tensor positions = MathOps.add(ArrayOps.positionIds(attentionMask), graph.scalar(p, DType.INT64));
    Layers.RopeTables rope = Layers.ropeCosSin(positions, config.headDim(), config.ropeTheta(),
        config.ropeScaling());
    Tensor kvShape = ArrayOps.concat(0, batch, graph.int64s(1, 1, 1));
    double eps = config.rmsNormEps();
    Tensor h = inputsEmbeds;
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      Tensor x = Layers.rmsNorm(h, w(LlamaTensorNames.inputNorm(i)), eps);
      Tensor q = Layers.applyRope(heads(proj(x, i, Module.Q_PROJ, call),
          config.numAttentionHeads()), rope.cos(), rope.sin());
      Tensor k = Layers.applyRope(heads(proj(x, i, Module.K_PROJ, call),
          config.numKeyValueHeads()), rope.cos(), rope.sin());
      Tensor v = heads(proj(x, i, Module.V_PROJ, call), config.numKeyValueHeads());
      Tensor kAll = ArrayOps.concat(2, expandBatch(prefix.keys().get(i), kvShape, k), k);
      Tensor vAll = ArrayOps.concat(2, expandBatch(prefix.values().get(i), kvShape, v), v);
      h = attentionAndMlp(h, q, kAll, vAll, mask, i, call);
    }
    return Layers.rmsNorm(h, w(LlamaTensorNames.FINAL_NORM), eps);
  }

  /** Broadcasts a {@code [1, Hkv, P, D]} prefix tensor to the batch of {@code like}. */
  private static Tensor expandBatch(Tensor prefix, Tensor shape, Tensor like) {
    Shape out = Shape.of(List.of(like.shape().dim(0), prefix.shape().dim(1),
        prefix.shape().dim(2), prefix.shape().dim(3)));
    return ArrayOps.expand(prefix, shape, out);
  }

  /**
   * The rest of decoder layer {@code i} once its queries, keys and values exist: attention, the
   * output projection and residual, the post-attention norm and the SwiGLU MLP with its residual.
   */
  private Tensor attentionAndMlp(Tensor h, Tensor q, Tensor k, Tensor v, Tensor mask, int i,
      int call) {
    Tensor a = Layers.scaledDotProductAttention(q, k, v, mask);
    Tensor merged = a.transpose(0, 2, 1, 3).reshape(0, 0, config.qDim());
    Tensor h1 = h.add(proj(merged, i, Module.O_PROJ, call));
    Tensor y = Layers.rmsNorm(h1, w(LlamaTensorNames.postAttentionNorm(i)), config.rmsNormEps());
    Tensor gate = NnOps.silu(proj(y, i, Module.GATE_PROJ, call));
    Tensor up = proj(y, i, Module.UP_PROJ, call);
    return h1.add(proj(gate.mul(up), i, Module.DOWN_PROJ, call));
  }

  private Tensor heads(Tensor x, int n) {
    return x.reshape(0, 0, n, config.headDim()).transpose(0, 2, 1, 3);
  }

  private Tensor w(String name) {
    return sources.get(name);
  }

  private Tensor proj(Tensor x, int layer, Module m, int call) {
    Tensor y = MathOps.linear(x, w(LlamaTensorNames.linear(layer, m)), null);
    if (options.mode() != TrainingMode.LORA || !options.lora().targets(m)) {
      return y;
    }
    LoraConfig lc = options.lora();
    Tensor xin = x;
    if (options.training() && lc.dropout() > 0) {
      String name = "lora_dropout." + layer + "." + m.path() + (call == 0 ? "" : ":" + call);
      xin = NnOps.dropout(x, lc.dropout(), name);
    }
    Tensor low = MathOps.linear(xin, w(LlamaTensorNames.loraA(layer, m)), null);
    Tensor delta = MathOps.linear(low, w(LlamaTensorNames.loraB(layer, m)), null);
    return y.add(delta.mul(lc.scale()));
  }

  // ------------------------------------------------------------------ accessors

  /**
   * The architecture.
   *
   * @return the config
   */
  public LlamaConfig config() {
    return config;
  }

  /**
   * The graph the backbone lives on.
   *
   * @return the graph
   */
  public Graph graph() {
    return graph;
  }

  /**
   * The trainable tensors: LoRA matrices in LORA mode, every weight in FULL mode (the embedding
   * table once {@link #embed} was used), none in FROZEN mode.
   *
   * @return a new list in declaration order
   */
  public List<Tensor> trainableParameters() {
    return List.copyOf(trainable);
  }
}

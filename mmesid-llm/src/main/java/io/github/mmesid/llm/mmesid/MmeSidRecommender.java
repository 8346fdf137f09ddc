package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.LengthBatches;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.llm.llama.LlamaBackbone;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.llama.TrainingMode;
import io.github.mmesid.llm.lora.LoraAdapters;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained MME-SID recommender: the Llama backbone reads the prompt with the user's history as
 * fused multimodal + semantic-ID item embeddings, and every item is scored against the last
 * position's hidden state with the frequency-aware fused item matrix (see {@link MmeSidTrainer}
 * and METHOD.md section 3).
 *
 * <p>Serving: the fused item matrix {@code F} and the prompt prefix's keys and values are
 * computed once when the recommender is built; a request runs only the item slots and the prompt
 * suffix through the backbone (batched, one run per history length) and one matrix product with
 * {@code F}. Histories longer than {@link MmeSidConfig#maxHistory()} keep their most recent
 * items. Immutable and thread-safe; holds ONNX Runtime sessions until {@link #close()}.
 */
public final class MmeSidRecommender implements SequentialRecommender {
  /** Histories scored per inference run in {@link #scores(List)}. */
  public static final int SCORING_BATCH = 64;

  private final MmeSidSpec spec;
  private final Map<String, TensorData> values;
  private final LlamaWeights backboneWeights;
  private final LoraAdapters adapters;
  private final RuntimeOptions runtime;
  private final boolean prefixCache;
  private final float[] fused; // [N + 1, H]
  private final Predictor predictor;
  private volatile boolean closed;

  private MmeSidRecommender(MmeSidSpec spec, Map<String, TensorData> values,
      LlamaWeights backboneWeights, LoraAdapters adapters, RuntimeOptions runtime,
      boolean prefixCache) {
    this.spec = spec;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.backboneWeights = backboneWeights;
    this.adapters = adapters;
    this.runtime = runtime;
    this.prefixCache = prefixCache;
    Map<String, TensorData> precomputed = precompute();
    this.fused = precomputed.get(MmeSidNet.FUSED_TABLE).toFloats();
    Finite.check(fused, "MME-SID fused item matrix");
    Map<String, Tensor> outs = scoringGraph(precomputed);
    this.predictor = Predictor.create(outs.get(MmeSidNet.SCORES).graph(), outs,
        new ParameterSnapshot(Map.of()), runtime, true);
  }

  /**
   * The scoring graph's outputs (scores and user vectors) over the precomputed fused item matrix
   * and prefix keys and values (package-private: the kernel audit exports it).
   */
  Map<String, Tensor> scoringGraph(Map<String, TensorData> precomputed) {
    Graph g = new Graph("mmesid_scores");
    Map<String, TensorData> all = new LinkedHashMap<>(this.values);
    all.put(MmeSidNet.FUSED_TABLE, precomputed.get(MmeSidNet.FUSED_TABLE));
    MmeSidNet net = new MmeSidNet(g, spec, all, List.of(), backbone(g));
    Tensor items = g.input(MmeSidNet.ITEMS, DType.INT64, Shape.mixed(MmeSidNet.B, MmeSidNet.T));
    Tensor mask = g.input(MmeSidNet.ITEM_MASK, DType.INT64,
        Shape.mixed(MmeSidNet.B, MmeSidNet.T));
    LlamaBackbone.PrefixCache cache = null;
    if (prefixCache) {
      List<Tensor> keys = new ArrayList<>();
      List<Tensor> vals = new ArrayList<>();
      for (int i = 0; i < spec.llama().numHiddenLayers(); i++) {
        keys.add(g.frozen(prefixKey(i), precomputed.get(prefixKey(i))));
        vals.add(g.frozen(prefixValue(i), precomputed.get(prefixValue(i))));
      }
      cache = new LlamaBackbone.PrefixCache(keys, vals, spec.prefixLocal().length);
    }
    Tensor user = net.user(items, mask, cache);
    Tensor scores = net.logits(user, net.source(MmeSidNet.FUSED_TABLE));
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put(MmeSidNet.SCORES, scores);
    outs.put(MmeSidNet.USER, user);
    return outs;
  }

  /**
   * Builds a recommender (package-private: trainers and the bundle loader use it).
   *
   * @param spec the model description
   * @param values item-side values, prompt table and frozen tables
   * @param backboneWeights the backbone weights (trained ones for FULL)
   * @param adapters LoRA adapters, or null
   * @param runtime ONNX Runtime options
   * @param prefixCache compute the prompt prefix once (true) or per request (false, for checks)
   * @return the recommender
   */
  static MmeSidRecommender create(MmeSidSpec spec, Map<String, TensorData> values,
      LlamaWeights backboneWeights, LoraAdapters adapters, RuntimeOptions runtime,
      boolean prefixCache) {
    return new MmeSidRecommender(spec, values, backboneWeights, adapters,
        runtime == null ? RuntimeOptions.defaults() : runtime, prefixCache);
  }

  /**
   * A recommender with the seeded initial (untrained) values of a configuration: meaningless
   * scores at the real model's cost, for benchmarks and smoke tests.
   *
   * @param config the hyperparameters (its seed selects the values)
   * @param inputs modality tables and semantic IDs (and optional checkpoint)
   * @param trainingCounts {@code [N + 1]} item counts for the frequency feature
   * @param runtime ONNX Runtime options (null: defaults)
   * @return the recommender (to be closed)
   */
  public static MmeSidRecommender untrained(MmeSidConfig config, MmeSidInputs inputs,
      long[] trainingCounts, RuntimeOptions runtime) {
    MmeSidModelInit init = MmeSidModelInit.create(config, inputs, trainingCounts);
    return create(init.spec(), init.values(), init.backbone(), init.adapters(), runtime, true);
  }

  private LlamaBackbone backbone(Graph g) {
    LlamaBackbone.Options o = adapters == null ? LlamaBackbone.Options.inference()
        : new LlamaBackbone.Options(TrainingMode.LORA, adapters.config(), adapters, false, 0);
    return LlamaBackbone.create(g, backboneWeights, o);
  }

  static String prefixKey(int layer) {
    return "prefix_cache." + layer + ".key";
  }

  static String prefixValue(int layer) {
    return "prefix_cache." + layer + ".value";
  }

  /**
   * The precompute graph's outputs: F and the prompt prefix's per-layer keys and values
   * (package-private: the kernel audit exports it).
   */
  Map<String, Tensor> precomputeGraph() {
    Graph g = new Graph("mmesid_precompute");
    MmeSidNet net = new MmeSidNet(g, spec, values, List.of(), backbone(g));
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put(MmeSidNet.FUSED_TABLE, net.fusedItems());
    LlamaBackbone.PrefixCache cache = net.backbone().prefix(net.prefixEmbeddings());
    for (int i = 0; i < cache.keys().size(); i++) {
      outs.put(prefixKey(i), cache.keys().get(i));
      outs.put(prefixValue(i), cache.values().get(i));
    }
    return outs;
  }

  /** Runs the item graph once: F and the prefix's per-layer keys and values. */
  Map<String, TensorData> precompute() {
    Map<String, Tensor> outs = precomputeGraph();
    Graph g = outs.get(MmeSidNet.FUSED_TABLE).graph();
    Map<String, TensorData> out = new LinkedHashMap<>();
    try (Predictor p = Predictor.create(g, outs, new ParameterSnapshot(Map.of()), runtime);
        RunOutputs r = p.run(Map.of())) {
      for (String name : outs.keySet()) {
        HostTensor h = r.get(name);
        float[] v = h.toFloatArray();
        Finite.check(v, "MME-SID " + name);
        out.put(name, TensorData.ofFloats(h.shape(), v));
      }
    }
    return out;
  }

  @Override
  public int numItems() {
    return spec.numItems();
  }

  /**
   * The hyperparameters the model was trained with.
   *
   * @return the config
   */
  public MmeSidConfig config() {
    return spec.config();
  }

  /**
   * The modalities the model uses, in order.
   *
   * @return the names
   */
  public List<String> modalities() {
    return spec.modalities().stream().map(MmeSidSpec.Modality::name).toList();
  }

  /**
   * The fused item matrix {@code F} (row {@code i} for item {@code i}; row 0 is meaningless):
   * item {@code i}'s score for user vector {@code h} is {@code h . F_i}.
   *
   * @return a copy, {@code [N + 1][H]}
   */
  public float[][] fusedItemMatrix() {
    int h = spec.hidden();
    float[][] out = new float[spec.numItems() + 1][];
    for (int i = 0; i < out.length; i++) {
      out[i] = Arrays.copyOfRange(fused, i * h, (i + 1) * h);
    }
    return out;
  }

  /**
   * The trained semantic-ID embedding table of one modality and level.
   *
   * @param modality the modality
   * @param level the level, {@code 0..L-1}
   * @return a copy, {@code [K][e]}
   * @throws IllegalArgumentException if the model has no such table
   */
  public float[][] sidEmbeddings(String modality, int level) {
    TensorData d = values.get(MmeSidNet.sid(modality, level));
    if (d == null) {
      throw new IllegalArgumentException("no SID embedding table for modality '" + modality
          + "' level " + level + "; modalities " + modalities() + (spec.config().sidEmbeddings()
              ? "" : " (this model has no SID embeddings)"));
    }
    float[] v = d.toFloats();
    int k = (int) d.shape()[0];
    int e = (int) d.shape()[1];
    float[][] out = new float[k][];
    for (int c = 0; c < k; c++) {
      out[c] = Arrays.copyOfRange(v, c * e, (c + 1) * e);
    }
    return out;
  }

  Map<String, TensorData> values() {
    return values;
  }

  MmeSidSpec spec() {
    return spec;
  }

  LlamaWeights backboneWeights() {
    return backboneWeights;
  }

  LoraAdapters adapters() {
    return adapters;
  }

  /**
   * A recommender with the same weights that runs the whole prompt per request instead of the
   * cached prefix (for checks and benchmarks).
   *
   * @param cache whether to use the prefix cache
   * @return a new recommender (to be closed)
   */
  public MmeSidRecommender withPrefixCache(boolean cache) {
    return new MmeSidRecommender(spec, values, backboneWeights, adapters, runtime, cache);
  }

  /**
   * The user vectors {@code h} of histories (the last prompt position's final hidden state).
   *
   * @param histories the histories
   * @return {@code [histories][H]}
   */
  public float[][] userVectors(List<int[]> histories) {
    return run(histories, MmeSidNet.USER, spec.hidden());
  }

  @Override
  public float[] scores(int[] history) {
    return scores(List.of(history))[0];
  }

  @Override
  public float[][] scores(List<int[]> histories) {
    float[][] raw = run(histories, MmeSidNet.SCORES, spec.numItems());
    float[][] out = new float[raw.length][];
    for (int i = 0; i < raw.length; i++) {
      float[] row = new float[spec.numItems() + 1];
      System.arraycopy(raw[i], 0, row, 1, spec.numItems());
      out[i] = row;
    }
    return out;
  }

  /**
   * Runs histories of one length together ({@link LengthBatches}), at most {@link #SCORING_BATCH}
   * per run, so that a user's row does not depend on the other histories of the call; one output
   * row each.
   */
  private float[][] run(List<int[]> histories, String output, int width) {
    if (closed) {
      throw new IllegalStateException("this MmeSidRecommender is closed");
    }
    int n = histories.size();
    int[][] cut = new int[n][];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      int[] h = histories.get(i);
      SequentialRecommender.validateHistory(h, spec.numItems());
      cut[i] = SequentialRecommender.recentItems(h, spec.config().maxHistory());
      lengths[i] = cut[i].length;
    }
    float[][] out = new float[n][];
    for (int[] run : LengthBatches.of(lengths, SCORING_BATCH)) {
      int b = run.length;
      int t = Math.max(1, cut[run[0]].length);
      long[] items = new long[b * t];
      long[] mask = new long[b * t];
      for (int r = 0; r < b; r++) {
        int[] h = cut[run[r]];
        int off = r * t + t - h.length;
        for (int j = 0; j < h.length; j++) {
          items[off + j] = h[j];
          mask[off + j] = 1;
        }
      }
      try (HostTensor in = HostTensor.of(items, b, t); HostTensor m = HostTensor.of(mask, b, t);
          RunOutputs res = predictor.run(Map.of(MmeSidNet.ITEMS, in, MmeSidNet.ITEM_MASK, m))) {
        FloatBuffer s = res.get(output).floatView();
        for (int r = 0; r < b; r++) {
          float[] row = new float[width];
          s.get(r * width, row);
          Finite.check(row, "MME-SID " + output + " of history " + run[r]);
          out[run[r]] = row;
        }
      }
    }
    return out;
  }

  /**
   * Saves the model as a self-contained bundle directory (format: {@code docs/BUNDLE.md}),
   * atomically: it is written next to {@code dir} and moved into place, replacing an older
   * bundle there. A model that adapts a Hugging Face checkpoint (LoRA or frozen) stores only what
   * it trained plus the base model's identity; use {@link #save(Path, Path)} for it.
   *
   * @param dir the bundle directory (created; an existing bundle there is replaced)
   * @throws IllegalArgumentException if the model adapts a checkpoint, or {@code dir} is a
   *     non-empty directory that is not a bundle
   * @throws java.io.UncheckedIOException if writing fails
   */
  public void save(java.nio.file.Path dir) {
    save(dir, null);
  }

  /**
   * Saves the model as a bundle, recording the identity of the Hugging Face checkpoint it adapts.
   *
   * @param dir the bundle directory
   * @param baseModel the checkpoint directory the model was trained on (required for LoRA and
   *     frozen checkpoint backbones, ignored otherwise)
   * @throws IllegalArgumentException if a required base model is missing
   * @throws java.io.UncheckedIOException if writing fails
   */
  public void save(java.nio.file.Path dir, java.nio.file.Path baseModel) {
    if (closed) {
      throw new IllegalStateException("this MmeSidRecommender is closed");
    }
    MmeSidBundle.save(this, dir, baseModel);
  }

  /**
   * Loads a bundle whose backbone is stored in it (a preset backbone or one trained in full).
   *
   * @param dir the bundle directory
   * @param runtime ONNX Runtime options (null: defaults)
   * @return the recommender (to be closed)
   * @throws IllegalArgumentException if the bundle is malformed, naming the file and part
   * @throws java.io.UncheckedIOException if a file cannot be read
   */
  public static MmeSidRecommender load(java.nio.file.Path dir, RuntimeOptions runtime) {
    return MmeSidBundle.load(dir, null, runtime);
  }

  /**
   * Loads a bundle that adapts a Hugging Face checkpoint; the checkpoint's identity must equal
   * the one recorded at save time.
   *
   * @param dir the bundle directory
   * @param baseModel the checkpoint directory
   * @param runtime ONNX Runtime options (null: defaults)
   * @return the recommender (to be closed)
   * @throws IllegalArgumentException if the bundle is malformed or the base model differs
   */
  public static MmeSidRecommender load(java.nio.file.Path dir, java.nio.file.Path baseModel,
      RuntimeOptions runtime) {
    return MmeSidBundle.load(dir, baseModel, runtime);
  }

  /**
   * Whether a saved bundle adapts a Hugging Face checkpoint (LoRA or frozen backbone), so that
   * it must be loaded with {@link #load(java.nio.file.Path, java.nio.file.Path, RuntimeOptions)}
   * and the checkpoint's directory; false when the bundle stores its own backbone.
   *
   * @param dir the bundle directory
   * @return true if loading needs the base model
   * @throws IllegalArgumentException if the directory is not an MME-SID bundle
   * @throws java.io.UncheckedIOException if the manifest cannot be read
   */
  public static boolean requiresBaseModel(java.nio.file.Path dir) {
    return MmeSidBundle.requiresBaseModel(dir);
  }

  /** Closes the inference session; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      predictor.close();
    }
  }

  @Override
  public String toString() {
    return "MmeSidRecommender[" + spec + "]";
  }
}

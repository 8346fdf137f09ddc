package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.LrSchedule;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.train.DataFingerprint;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.TrainingResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.llm.llama.LlamaBackbone;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.llama.TrainingMode;
import io.github.mmesid.llm.lora.LoraAdapters;
import io.github.mmesid.quant.metrics.QuantMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the MME-SID recommender (METHOD.md section 3) on the engine: cross-entropy of each
 * training target over all N items, AdamW with linear warm-up and cosine decay, gradient
 * clipping; after every epoch NDCG@10 on the validation targets of a fixed sample of users
 * selects the best epoch (early stopping after {@link MmeSidConfig#patience()} epochs without
 * improvement). Batches are grouped by history length ({@link MmeSidBatches}) and the prompt
 * prefix runs once per batch ({@link LlamaBackbone#prefix}).
 *
 * <p>What trains: the item-side parts (modality projections, semantic-ID embeddings, fusion MLP,
 * the ID head S and the frequency head g) and, by {@link MmeSidConfig#backboneTraining()}, the
 * whole backbone with the prompt's token embeddings (a preset backbone, or FULL), LoRA adapters
 * (a checkpoint, by default), or nothing (FROZEN). Frozen backbone weights are graph sources kept
 * out of the ONNX model and never copied per step.
 */
public final class MmeSidTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(MmeSidTrainer.class);
  /** Item pairs sampled for the forgetting measurement (Kendall's tau of pair distances). */
  static final int TAU_PAIRS = 100_000;

  private MmeSidTrainer() {}

  /**
   * Trains with the default run options (CPU, no checkpoints).
   *
   * @param split the interactions; training parts are trained on, validation targets select the
   *     epoch
   * @param inputs modality tables, semantic IDs, optional backbone checkpoint
   * @param config the hyperparameters
   * @return the trained recommender, its metrics and the training log
   */
  public static MmeSidTrainingResult train(LeaveOneOutSplit split, MmeSidInputs inputs,
      MmeSidConfig config) {
    return train(split, inputs, config, RunOptions.defaults());
  }

  /**
   * Trains the recommender.
   *
   * @param split the interactions (item ids must be the rows of the inputs' tables)
   * @param inputs modality tables, semantic IDs, optional backbone checkpoint
   * @param config the hyperparameters
   * @param run threads and execution provider of every session, checkpoints, listeners
   * @return the trained recommender (to be closed), its metrics ({@code valid_ndcg@10}, and per
   *     modality {@code sid_tau_before_<m>} / {@code sid_tau_after_<m>}: Kendall's tau between
   *     item-pair distances of the raw modality embeddings and of the semantic-ID embeddings,
   *     before and after training) and the training log
   * @throws IllegalArgumentException if the inputs do not fit the split or the config, or no
   *     user has a validation target
   */
  public static MmeSidTrainingResult train(LeaveOneOutSplit split, MmeSidInputs inputs,
      MmeSidConfig config, RunOptions run) {
    long t0 = System.nanoTime();
    Built b = build(split, inputs, config);
    LeaveOneOutSplit valid = split.sampleEvaluableUsers(config.validationUsers(), config.seed());
    Evaluator evaluator = Evaluator.builder().split(Split.VALID).ks(10).threads(1)
        .batchSize(MmeSidRecommender.SCORING_BATCH).build();
    TrainerConfig.Builder tc = trainerConfig(b, config)
        .validation(params -> validate(b.init, params, run, evaluator, valid), 0, true,
            config.patience())
        .restoreBest(true)
        .runDescription(Json.flatten(config))
        .dataFingerprint(inputsFingerprint(inputs));
    run.applyTo(tc, Math.max(1, b.stepsPerEpoch / 10), 0);
    LOG.info("MME-SID: {} training examples (mean history {}), {} updates per epoch, {} "
        + "validation users; {}; {}", b.data.size(), String.format(Locale.ROOT, "%.2f",
        b.data.meanLength()), b.stepsPerEpoch, valid.evaluableUsers().length, b.init.spec(),
        config);
    Map<String, Double> metrics = new LinkedHashMap<>();
    forgetting(b.init, b.init.values(), "before", metrics);
    TrainingResult result;
    try (Trainer trainer = new Trainer(b.loss, b.trainable, tc.build())) {
      result = trainer.train(b.data);
    }
    Trained trained = trained(b.init, result.parameters());
    metrics.put("valid_ndcg@10", result.bestMetric());
    forgetting(b.init, trained.values(), "after", metrics);
    MmeSidRecommender rec = MmeSidRecommender.create(b.init.spec(), trained.values(),
        trained.backbone(), trained.adapters(), run.runtime(), true);
    TrainingLog log = TrainingLog.of(result, "ndcg@10", (System.nanoTime() - t0) / 1e9);
    LOG.info("MME-SID trained: {}", metrics);
    return new MmeSidTrainingResult(rec, metrics, log);
  }

  /** The training graph, its trainable tensors and the examples of one run. */
  private record Built(MmeSidModelInit init, Tensor loss, List<Tensor> trainable,
      MmeSidBatches data, int stepsPerEpoch) {}

  private static Built build(LeaveOneOutSplit split, MmeSidInputs inputs, MmeSidConfig config) {
    if (split.numItems() != inputs.catalog().numItems()) {
      throw new IllegalArgumentException("the interactions have N = " + split.numItems()
          + " items but the item tables have " + inputs.catalog().numItems()
          + " rows after padding; both must use the same item ids (row = item id)");
    }
    MmeSidModelInit init = MmeSidModelInit.create(config, inputs, split.trainingItemCounts());
    MmeSidSpec spec = init.spec();
    Graph g = new Graph("mmesid_train");
    LlamaBackbone backbone = LlamaBackbone.create(g, init.backbone(), backboneOptions(init));
    MmeSidNet net = new MmeSidNet(g, spec, init.values(), init.trainable(), backbone);
    Tensor items = g.input(MmeSidNet.ITEMS, DType.INT64, Shape.mixed(MmeSidNet.B, MmeSidNet.T));
    Tensor mask = g.input(MmeSidNet.ITEM_MASK, DType.INT64,
        Shape.mixed(MmeSidNet.B, MmeSidNet.T));
    Tensor targets = g.input(MmeSidNet.TARGETS, DType.INT64, Shape.mixed(MmeSidNet.B));
    LlamaBackbone.PrefixCache cache = backbone.prefix(net.prefixEmbeddings());
    Tensor loss = MmeSidNet.loss(net.logits(net.user(items, mask, cache), net.fusedItems()),
        targets);
    List<Tensor> trainable = new ArrayList<>(backbone.trainableParameters());
    for (String name : init.trainable()) {
      trainable.add(net.source(name));
    }
    MmeSidBatches data = new MmeSidBatches(split, config, backbone, spec.suffixLocal().length);
    int steps = data.epochBatches(config.seed(), 0, config.batchSize()).size();
    return new Built(init, loss, trainable, data, steps);
  }

  private static TrainerConfig.Builder trainerConfig(Built b, MmeSidConfig config) {
    long total = (long) b.stepsPerEpoch * config.epochs();
    Optimizer opt = Optimizer.adamW(config.learningRate()).withWeightDecay(config.weightDecay());
    if (config.maxGradNorm() > 0) {
      opt = opt.withMaxGradNorm(config.maxGradNorm());
    }
    return TrainerConfig.builder(config.seed()).optimizer(opt)
        .schedule(LrSchedule.cosine(Math.min(config.warmupSteps(), total - 1), total))
        .batchSize(config.batchSize()).epochs(config.epochs());
  }

  /**
   * Prepares a training run for a custom loop or a benchmark: the training graph compiled and its
   * examples grouped into batches, without validation or checkpoints.
   *
   * @param split the interactions
   * @param inputs modality tables, semantic IDs, optional backbone checkpoint
   * @param config the hyperparameters
   * @param run threads and execution provider
   * @return the session, to be closed
   */
  public static Session prepare(LeaveOneOutSplit split, MmeSidInputs inputs, MmeSidConfig config,
      RunOptions run) {
    Built b = build(split, inputs, config);
    TrainerConfig.Builder tc = trainerConfig(b, config);
    run.applyTo(tc, Integer.MAX_VALUE, 0);
    return new Session(b, new Trainer(b.loss, b.trainable, tc.build()), config);
  }

  /**
   * A prepared MME-SID training run (see {@link #prepare}): updates on chosen batches, and the
   * arithmetic they cost. Not thread-safe; holds ONNX Runtime sessions until closed.
   */
  public static final class Session implements AutoCloseable {
    private final Built built;
    private final Trainer trainer;
    private final MmeSidConfig config;

    private Session(Built built, Trainer trainer, MmeSidConfig config) {
      this.built = built;
      this.trainer = trainer;
      this.config = config;
    }

    /**
     * The number of training examples.
     *
     * @return the count
     */
    public int examples() {
      return built.data.size();
    }

    /**
     * The history length of an example (after the {@link MmeSidConfig#maxHistory()} cap).
     *
     * @param example the example index
     * @return its number of history items
     */
    public int historyLength(int example) {
      return built.data.historyLength(example);
    }

    /**
     * The batches of an epoch as training uses them (grouped by history length).
     *
     * @param epoch the epoch
     * @return example indices per batch
     */
    public List<int[]> batches(int epoch) {
      return built.data.epochBatches(config.seed(), epoch, config.batchSize());
    }

    /**
     * One optimizer update on the given examples.
     *
     * @param exampleIds example indices
     * @return the batch's mean loss
     */
    public double step(int[] exampleIds) {
      return trainer.trainStep(built.data, exampleIds);
    }

    /**
     * The floating-point operations of one update on these examples: 3x the forward pass's
     * multiply-adds counted as 2 operations (the backward pass of a matrix product costs twice
     * its forward), over the backbone (shared prefix once, rows, attention), the item
     * embeddings, the fused item matrix and the scores over all items.
     *
     * @param exampleIds example indices
     * @return operations per update
     */
    public double flopsPerStep(int[] exampleIds) {
      MmeSidSpec spec = built.init.spec();
      LlamaConfig c = spec.llama();
      double h = c.hiddenSize();
      double perToken = 2 * h * (2.0 * c.qDim() + 2.0 * c.kvDim()) + 2 * 3 * h
          * c.intermediateSize();
      double layers = c.numHiddenLayers();
      int p = spec.prefixLocal().length;
      int s = spec.suffixLocal().length;
      int t = 1;
      for (int id : exampleIds) {
        t = Math.max(t, built.data.historyLength(id));
      }
      int b = exampleIds.length;
      double rows = (double) b * (t + s);
      double attention = rows * 2 * 2 * (p + t + s) * c.qDim() + p * 2 * 2 * p * c.qDim();
      double backbone = layers * ((rows + p) * perToken + attention);
      int m = spec.modalities().size();
      double dims = 0;
      for (MmeSidSpec.Modality mod : spec.modalities()) {
        dims += mod.dim() + (mod.sidDim() != h && config.sidEmbeddings() ? mod.sidDim() : 0);
      }
      double parts = config.sidEmbeddings() ? 2 * m : m;
      double itemIn = (double) b * t * 2 * (dims * h + parts * h * m * h + m * h * h);
      double n = spec.numItems() + 1.0;
      double fused = config.scoring() == MmeSidConfig.Scoring.FUSED
          ? n * 2 * (h * m + 64 + 640 + 640 + 64 * (1 + m)) + 2 * n * h * (1 + m) : 0;
      for (MmeSidSpec.Modality mod : spec.modalities()) {
        fused += config.scoring() == MmeSidConfig.Scoring.FUSED ? 2 * n * mod.dim() * h : 0;
      }
      double scores = 2.0 * b * n * h;
      return 3 * (backbone + itemIn + fused + scores);
    }

    /** The trainer (package-private: the kernel audit reads its exported graphs). */
    Trainer trainer() {
      return trainer;
    }

    /** The training graph (package-private: the kernel audit reads its shapes). */
    Graph graph() {
      return built.loss.graph();
    }

    /** The examples (package-private: device checks replay a batch). */
    MmeSidBatches data() {
      return built.data;
    }

    /** Closes the trainer; idempotent. */
    @Override
    public void close() {
      trainer.close();
    }
  }

  /** The item tables, semantic IDs and backbone checkpoint a run trains on. */
  static String inputsFingerprint(MmeSidInputs inputs) {
    DataFingerprint f = DataFingerprint.create();
    for (String m : inputs.catalog().modalities()) {
      f.putString(m).putFloats(inputs.catalog().flat(m));
    }
    for (String m : inputs.sidModalities()) {
      MmeSidInputs.SidTable t = inputs.sid(m);
      f.putString(m).putInts(t.codes());
      for (float[][] level : t.codebooks()) {
        f.putFloats(level);
      }
    }
    Path ckpt = inputs.backboneCheckpoint();
    f.putString(ckpt == null ? "preset" : MmeSidBundle.identity(ckpt).path("sha256").asText());
    return f.build();
  }

  static LlamaBackbone.Options backboneOptions(MmeSidModelInit init) {
    MmeSidSpec spec = init.spec();
    return switch (spec.mode()) {
      case LORA -> new LlamaBackbone.Options(TrainingMode.LORA, spec.config().loraConfig(),
          init.adapters(), true, spec.config().seed());
      case FULL -> LlamaBackbone.Options.fullTraining();
      case FROZEN -> LlamaBackbone.Options.inference();
    };
  }

  /** The model's values after training. */
  record Trained(Map<String, TensorData> values, LlamaWeights backbone, LoraAdapters adapters) {}

  static Trained trained(MmeSidModelInit init, ParameterSnapshot params) {
    Map<String, TensorData> values = new LinkedHashMap<>(init.values());
    for (String name : init.trainable()) {
      values.put(name, params.get(name));
    }
    LlamaWeights backbone = init.backbone();
    LoraAdapters adapters = null;
    MmeSidSpec spec = init.spec();
    if (spec.mode() == TrainingMode.FULL) {
      Map<String, TensorData> w = new LinkedHashMap<>();
      for (String name : init.backbone().tensors().keySet()) {
        w.put(name, params.get(name));
      }
      backbone = init.backbone().withReplaced(w);
    } else if (spec.mode() == TrainingMode.LORA) {
      adapters = LoraAdapters.fromSnapshot(spec.llama(), spec.config().loraConfig(), params);
    }
    return new Trained(values, backbone, adapters);
  }

  private static double validate(MmeSidModelInit init, ParameterSnapshot params, RunOptions run,
      Evaluator evaluator, LeaveOneOutSplit valid) {
    Trained t = trained(init, params);
    try (MmeSidRecommender r = MmeSidRecommender.create(init.spec(), t.values(), t.backbone(),
        t.adapters(), run.runtime(), true)) {
      return evaluator.evaluate(r, valid).ndcg(10);
    }
  }

  /**
   * Kendall's tau between item-pair distances of each modality's raw embeddings and of its
   * semantic-ID embeddings {@code sum_l E_{m,l}[code_l(i)]} (METHOD.md section 4, forgetting).
   */
  static void forgetting(MmeSidModelInit init, Map<String, TensorData> values, String when,
      Map<String, Double> metrics) {
    MmeSidSpec spec = init.spec();
    if (!spec.config().sidEmbeddings() || spec.numItems() < 3) {
      return;
    }
    for (MmeSidSpec.Modality m : spec.modalities()) {
      metrics.put("sid_tau_" + when + "_" + m.name(), QuantMetrics.distanceTau(
          itemRows(values.get(MmeSidNet.table(m.name())), spec.numItems()),
          sidSums(values, m, spec.numItems()), TAU_PAIRS, spec.config().seed()));
    }
  }

  private static float[][] itemRows(TensorData table, int n) {
    float[] v = table.toFloats();
    int d = (int) table.shape()[1];
    float[][] out = new float[n][];
    for (int i = 1; i <= n; i++) {
      out[i - 1] = Arrays.copyOfRange(v, i * d, (i + 1) * d);
    }
    return out;
  }

  /** Items 1..N's summed SID embeddings. */
  static float[][] sidSums(Map<String, TensorData> values, MmeSidSpec.Modality m, int n) {
    double[] codes = values.get(MmeSidNet.codes(m.name())).toDoubles(); // small ints: exact
    float[][] tables = new float[m.levels()][];
    for (int l = 0; l < m.levels(); l++) {
      tables[l] = values.get(MmeSidNet.sid(m.name(), l)).toFloats();
    }
    int e = m.sidDim();
    float[][] out = new float[n][e];
    for (int i = 1; i <= n; i++) {
      for (int l = 0; l < m.levels(); l++) {
        int c = (int) codes[i * m.levels() + l];
        for (int j = 0; j < e; j++) {
          out[i - 1][j] += tables[l][c * e + j];
        }
      }
    }
    return out;
  }
}

package io.github.mmesid.examples;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.engine.train.TrainingListener;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.ValidationInfo;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecLoss;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import io.github.mmesid.llm.sasrec.SasRecTrainingResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train-sasrec}: trains SASRec on a sequences file or a ratings CSV (leave-one-out split,
 * early stopping on validation NDCG@10) and writes the model ({@value #MODEL_FILE}), the item
 * embedding table ({@value #EMB_FILE}), the test metrics ({@value #METRICS_FILE}) and training
 * statistics ({@value #TRAINING_FILE}) to a directory.
 */
public final class TrainSasRecCommand implements Command {
  /** The saved model's file name. */
  public static final String MODEL_FILE = "sasrec.safetensors";
  /** The item embedding table's file name. */
  public static final String EMB_FILE = "item_emb.npy";
  /** The test metrics' file name. */
  public static final String METRICS_FILE = "metrics.json";
  /** The training statistics' file name. */
  public static final String TRAINING_FILE = "training.json";

  @Override
  public String name() {
    return "train-sasrec";
  }

  @Override
  public String summary() {
    return "train SASRec (early stopping on validation NDCG@10); write model, item_emb.npy, metrics.json";
  }

  /** The SASRec config options: one per {@link SasRecConfig} field, named after it. */
  static final ConfigOptions<SasRecConfig> CONFIG = new ConfigOptions<>(SasRecConfig.builder().build(),
      Map.ofEntries(
          Map.entry("dim", "embedding and hidden size"),
          Map.entry("blocks", "self-attention blocks"),
          Map.entry("heads", "attention heads"),
          Map.entry("ffn-dim", "feed-forward inner size (0: same as --dim)"),
          Map.entry("max-len", "longest history the model sees"),
          Map.entry("dropout", "dropout rate"),
          Map.entry("loss", "full-softmax cross-entropy (ce) or sampled binary cross-entropy (bce)"),
          Map.entry("negatives", "sampled negatives per target (only with --loss sampled_bce)"),
          Map.entry("learning-rate", "AdamW learning rate"),
          Map.entry("weight-decay", "AdamW weight decay"),
          Map.entry("batch-size", "sequences per update"),
          Map.entry("epochs", "maximum epochs"),
          Map.entry("patience", "stop after N epochs without better validation NDCG@10 (0: never)"),
          Map.entry("validation-users", "validate on a seeded sample of N users (0: all)"),
          Map.entry("seed", "random seed")));

  @Override
  public List<Option> options() {
    List<Option> o = new ArrayList<>(Interactions.options());
    o.add(Option.required("out", "DIR", "output directory (created if missing; with --ratings also gets "
        + ItemIdMapping.FILE_NAME + ")"));
    o.addAll(CONFIG.options());
    o.addAll(RunOptionsCli.options());
    return o;
  }

  @Override
  public List<OptionRule> optionRules() {
    List<OptionRule> rules = new ArrayList<>(Interactions.rules());
    rules.add(new OptionRule("negatives", a -> isSampledBce(a.get("loss")),
        "unless --loss is bce: --loss ce scores every item and samples no negatives"));
    return rules;
  }

  private static boolean isSampledBce(String loss) {
    try {
      return SasRecLoss.parse(loss) == SasRecLoss.SAMPLED_BCE;
    } catch (IllegalArgumentException e) {
      return true; // an unknown --loss is reported by config()
    }
  }

  @Override
  public int run(Args args, PrintStream out) {
    Interactions.inputFile(args);
    SasRecConfig config = config(args);
    OutputDir dir = args.outputDir("out");
    args.outputDir("checkpoints");

    long t0 = System.nanoTime();
    Interactions in = Interactions.read(args);
    Path input = in.input();
    SequenceDataset data = in.dataset();
    LeaveOneOutSplit loo = LeaveOneOutSplit.of(data);
    out.printf(Locale.ROOT, "data: %s  users=%d items=%d interactions=%d%n", input, data.numUsers(),
        data.numItems(), data.numInteractions());
    out.println("config: " + config);
    TrainingListener progress = new TrainingListener() {
      @Override
      public void onValidation(ValidationInfo v) {
        out.printf(Locale.ROOT, "epoch %d (step %d): valid NDCG@10 %.4f (best %.4f)%s%n", v.epoch() + 1,
            v.step(), v.metric(), v.best(), v.improved() ? " *" : "");
      }
    };
    SasRecTrainingResult r = SasRecTrainer.train(loo, config,
        RunOptionsCli.parse(args).toBuilder().listener(progress).build());
    try (SasRecRecommender rec = r.recommender()) {
      rec.save(dir.file(MODEL_FILE));
      rec.exportItemEmbeddings(dir.file(EMB_FILE));
      Path mapping = in.writeMapping(dir);
      long t1 = System.nanoTime();
      EvaluationResult test = Evaluator.builder().split(Split.TEST).ks(5, 10, 20).threads(1)
          .batchSize(SasRecRecommender.SCORING_BATCH).build().evaluate(rec, loo);
      long t2 = System.nanoTime();
      test.writeJson(dir.file(METRICS_FILE));
      TrainingLog log = r.log();
      out.printf(Locale.ROOT, "trained %d epochs (%d updates) in %.1f s; best valid NDCG@10 %.4f at step %d%s%n",
          log.epochsCompleted(), log.steps(), log.seconds(), log.bestMetric(), log.bestStep(),
          log.stoppedEarly() ? " (early stop)" : "");
      out.print(test.toTable());
      long peak = TrainingLog.currentPeakRssBytes();
      Map<String, Object> stats = new LinkedHashMap<>();
      stats.put("input", input.toString());
      stats.put("config", config);
      stats.put("training", log);
      stats.put("test_evaluation_seconds", (t2 - t1) / 1e9);
      stats.put("total_seconds", (t2 - t0) / 1e9);
      stats.put("peak_rss_bytes", peak);
      Json.writeFile(dir.file(TRAINING_FILE), stats);
      out.printf(Locale.ROOT, "peak memory (RSS) %s; wrote %s, %s, %s, %s%s to %s%n",
          peak < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", peak / 1048576.0), MODEL_FILE, EMB_FILE,
          METRICS_FILE, TRAINING_FILE, mapping == null ? "" : ", " + ItemIdMapping.FILE_NAME, dir);
    }
    return 0;
  }

  /**
   * Builds the SASRec configuration from the command line.
   *
   * @param args the parsed options of this command
   * @return the configuration
   * @throws UsageException if an option is out of range
   */
  static SasRecConfig config(Args args) {
    return CONFIG.parse(args, Map.of());
  }
}

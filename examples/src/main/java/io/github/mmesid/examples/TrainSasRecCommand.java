package io.github.mmesid.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.AtomicFiles;
import io.github.mmesid.core.data.ItemIdMapping;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.engine.train.TrainingListener;
import io.github.mmesid.core.engine.train.ValidationInfo;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecLoss;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import io.github.mmesid.llm.sasrec.SasRecTrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

  @Override
  public List<Option> options() {
    SasRecConfig d = SasRecConfig.builder().build();
    List<Option> options = new ArrayList<>(Interactions.options());
    options.addAll(List.of(
        Option.required("out", "DIR", "output directory (created if missing; with --ratings also gets "
            + ItemIdMapping.FILE_NAME + ")"),
        Option.optional("dim", "D", "embedding size", Integer.toString(d.dim())),
        Option.optional("blocks", "N", "self-attention blocks", Integer.toString(d.blocks())),
        Option.optional("heads", "H", "attention heads", Integer.toString(d.heads())),
        Option.optional("ffn-dim", "F", "feed-forward inner size (default: --dim)", null),
        Option.optional("max-len", "L", "longest history the model sees", Integer.toString(d.maxLen())),
        Option.optional("dropout", "P", "dropout rate", Double.toString(d.dropout())),
        Option.optional("loss", "ce|bce", "full-softmax cross-entropy or sampled binary cross-entropy", "ce"),
        Option.optional("negatives", "K", "negatives per target for --loss bce", Integer.toString(d.negatives())),
        Option.optional("lr", "X", "AdamW learning rate", Double.toString(d.learningRate())),
        Option.optional("weight-decay", "X", "AdamW weight decay", Double.toString(d.weightDecay())),
        Option.optional("batch-size", "B", "sequences per update", Integer.toString(d.batchSize())),
        Option.optional("epochs", "N", "maximum epochs", Integer.toString(d.epochs())),
        Option.optional("patience", "N", "stop after N epochs without better validation NDCG@10 (0: never)",
            Integer.toString(d.patience())),
        Option.optional("validation-users", "N", "validate on a seeded sample of N users (0: all)",
            Integer.toString(d.validationUsers())),
        Option.optional("threads", "N", "ONNX Runtime threads", Integer.toString(d.threads())),
        Option.optional("seed", "S", "random seed", Long.toString(d.seed())),
        Option.optional("checkpoints", "DIR", "write resumable checkpoints to DIR (resumes a run found there)", null)));
    return options;
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
    SasRecTrainingResult r = SasRecTrainer.train(loo, config, args.path("checkpoints"), List.of(progress));
    try (SasRecRecommender rec = r.recommender()) {
      rec.save(dir.file(MODEL_FILE));
      rec.exportItemEmbeddings(dir.file(EMB_FILE));
      Path mapping = in.writeMapping(dir);
      long t1 = System.nanoTime();
      EvaluationResult test = Evaluator.builder().split(Split.TEST).ks(5, 10, 20).threads(1)
          .batchSize(SasRecRecommender.SCORING_BATCH).build().evaluate(rec, loo);
      long t2 = System.nanoTime();
      test.writeJson(dir.file(METRICS_FILE));
      out.printf(Locale.ROOT, "trained %d epochs (%d updates) in %.1f s; best valid NDCG@10 %.4f at step %d%s%n",
          r.training().epochsCompleted(), r.training().steps(), r.trainingSeconds(), r.training().bestMetric(),
          r.training().bestStep(), r.training().stoppedEarly() ? " (early stop)" : "");
      out.print(test.toTable());
      long peak = peakRssBytes();
      Map<String, Object> stats = new LinkedHashMap<>();
      stats.put("input", input.toString());
      stats.put("config", config.toJson());
      stats.put("epochs", r.training().epochsCompleted());
      stats.put("steps", r.training().steps());
      stats.put("stoppedEarly", r.training().stoppedEarly());
      stats.put("bestValidNdcg@10", r.training().bestMetric());
      stats.put("bestStep", r.training().bestStep());
      stats.put("trainingSeconds", r.trainingSeconds());
      stats.put("testEvaluationSeconds", (t2 - t1) / 1e9);
      stats.put("totalSeconds", (t2 - t0) / 1e9);
      stats.put("droppedTargets", r.droppedTargets());
      stats.put("peakRssBytes", peak);
      stats.put("validNdcg@10", r.validations().stream().map(ValidationInfo::metric).toList());
      writeJson(dir.file(TRAINING_FILE), stats);
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
    SasRecConfig.Builder b = SasRecConfig.builder()
        .dim(args.intValue("dim", 1, SasRecConfig.MAX_DIM))
        .blocks(args.intValue("blocks", 1, 64))
        .heads(args.intValue("heads", 1, SasRecConfig.MAX_DIM))
        .maxLen(args.intValue("max-len", 1, SasRecConfig.MAX_LEN))
        .dropout(doubleValue(args, "dropout"))
        .negatives(args.intValue("negatives", 1, 10_000))
        .learningRate(doubleValue(args, "lr"))
        .weightDecay(doubleValue(args, "weight-decay"))
        .batchSize(args.intValue("batch-size", 1, 65_536))
        .epochs(args.intValue("epochs", 1, 1_000_000))
        .patience(args.intValue("patience", 0, 1_000_000))
        .validationUsers(args.intValue("validation-users", 0, Integer.MAX_VALUE))
        .threads(args.intValue("threads", 1, 4096))
        .seed(args.longValue("seed"));
    if (args.get("ffn-dim") != null) {
      b.ffnDim(args.intValue("ffn-dim", 1, 8 * SasRecConfig.MAX_DIM));
    }
    try {
      b.loss(SasRecLoss.parse(args.get("loss")));
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static double doubleValue(Args args, String name) {
    String v = args.get(name);
    try {
      double x = Double.parseDouble(v == null ? "" : v.trim());
      if (!Double.isFinite(x)) {
        throw new NumberFormatException();
      }
      return x;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " '" + v + "' is not a finite number");
    }
  }

  /** Peak resident set size of this process from /proc/self/status (VmHWM), or -1. */
  static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("VmHWM:")) {
          String[] p = line.substring(6).trim().split("\\s+");
          return Long.parseLong(p[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static void writeJson(Path file, Map<String, Object> m) {
    byte[] bytes;
    try {
      bytes = (new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n")
          .getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not format training statistics: " + e.getOriginalMessage(), e);
    }
    AtomicFiles.write(file, o -> o.write(bytes));
  }
}

package io.github.mmesid.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.engine.train.TrainingListener;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.ValidationInfo;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.llm.mmesid.MmeSidConfig;
import io.github.mmesid.llm.mmesid.MmeSidInputs;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.mmesid.MmeSidTrainer;
import io.github.mmesid.llm.mmesid.MmeSidTrainingResult;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import io.github.mmesid.llm.sasrec.SasRecTrainingResult;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.MmRqVaeTrainingResult;
import io.github.mmesid.quant.QuantReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code train-mmesid}: the whole MME-SID pipeline from interactions to a saved recommender. The
 * collaborative modality is a given table ({@code --collab}) or the item embeddings of a SASRec
 * trained here; the MM-RQ-VAE is trained over it and the {@code --modality} tables; MME-SID is
 * trained on their tables and semantic IDs and evaluated on the test split. Every stage's
 * artifacts land in the output directory: {@value #SASREC_DIR}/ (when SASRec was trained),
 * {@value #QUANT_DIR}/ (as {@code quantize} writes them), {@value #BUNDLE_DIR}/ (the recommender,
 * format in {@code docs/BUNDLE.md}), {@value #METRICS_FILE}, {@value #TRAINING_FILE} and, for
 * remapped ids, {@value ItemIdMapping#FILE_NAME}. With {@code --checkpoints DIR} every stage is
 * resumable ({@code DIR/sasrec}, {@code DIR/quant}, {@code DIR/mmesid}).
 */
public final class TrainMmeSidCommand implements Command {
  /** The SASRec stage's output subdirectory. */
  public static final String SASREC_DIR = "sasrec";
  /** The MM-RQ-VAE stage's output subdirectory. */
  public static final String QUANT_DIR = "quant";
  /** The recommender bundle's directory. */
  public static final String BUNDLE_DIR = "bundle";
  /** The MME-SID stage's checkpoint subdirectory. */
  public static final String MMESID_STAGE = "mmesid";
  /** The test metrics' file name. */
  public static final String METRICS_FILE = "metrics.json";
  /** The training statistics' file name. */
  public static final String TRAINING_FILE = "training.json";
  /** The name of the collaborative modality (always the first). */
  public static final String COLLAB = "collab";
  /** Item pairs sampled for Kendall's tau in the MM-RQ-VAE report. */
  private static final int REPORT_PAIRS = 100_000;
  private static final Pattern MODALITY_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  /**
   * A sequences file declares its items by use: N is its largest id. Item tables indexed by item
   * id may cover more items (ids above N that no user has interacted with yet); when every table
   * has the same row count R > N + 1, the item universe grows to R - 1 items, so that those items
   * can be recommended (cold items) and the tables are accepted.
   */
  private static SequenceDataset coverTableItems(SequenceDataset data, Map<Path, float[][]> tables,
      PrintStream out) {
    int rows = -1;
    for (float[][] t : tables.values()) {
      if (rows >= 0 && t.length != rows) {
        return data; // tables disagree: itemTable reports it against N
      }
      rows = t.length;
    }
    if (rows - 1 <= data.numItems()) {
      return data;
    }
    out.printf(Locale.ROOT, "item tables cover %d items; the interactions use ids up to %d: items %d..%d have no "
        + "interactions yet%n", rows - 1, data.numItems(), data.numItems() + 1, rows - 1);
    return data.withNumItems(rows - 1);
  }

  @Override
  public String name() {
    return "train-mmesid";
  }

  @Override
  public String summary() {
    return "train the MME-SID pipeline (SASRec -> MM-RQ-VAE -> LLM recommender); write a bundle and metrics";
  }

  /** The MME-SID config options: one per {@link MmeSidConfig} field, named after it. */
  static final ConfigOptions<MmeSidConfig> CONFIG = new ConfigOptions<>(MmeSidConfig.builder().build(),
      Map.ofEntries(
          Map.entry("backbone-preset", "architecture of the backbone trained from scratch when no --backbone is "
              + "given (it has no pretrained knowledge)"),
          Map.entry("backbone-training", "which backbone weights train: default (LoRA for --backbone, all for a "
              + "preset), lora, frozen or full"),
          Map.entry("lora-r", "LoRA rank"),
          Map.entry("lora-alpha", "LoRA alpha (scale alpha / r)"),
          Map.entry("lora-dropout", "LoRA dropout"),
          Map.entry("lora-targets", "LoRA-adapted modules (PEFT names q_proj, k_proj, v_proj, o_proj, gate_proj, "
              + "up_proj, down_proj)"),
          Map.entry("prompt", "prompt around the item slots: METHOD.md's (method) or the reference code's"),
          Map.entry("modalities", "modalities the model uses, in order (none: collab and every --modality)"),
          Map.entry("sid-embeddings", "history items also enter as semantic-ID embeddings (false: no MM-RQ-VAE "
              + "stage)"),
          Map.entry("sid-init", "SID embedding tables start from the MM-RQ-VAE codebooks or random (forgetting "
              + "ablation)"),
          Map.entry("scoring", "frequency-aware fusion of the ID and modality heads (fused) or the ID head alone"),
          Map.entry("tau", "temperature of the fusion weights softmax(g(f) / tau)"),
          Map.entry("max-history", "longest history the model reads (older items are dropped)"),
          Map.entry("max-targets-per-user", "training targets per user (the last positions of its training part)"),
          Map.entry("include-empty-history", "also train on each user's first item with an empty history"),
          Map.entry("learning-rate", "AdamW peak learning rate"),
          Map.entry("weight-decay", "AdamW weight decay"),
          Map.entry("warmup-steps", "linear warm-up updates before the cosine decay"),
          Map.entry("max-grad-norm", "gradient clipping norm (0: none)"),
          Map.entry("batch-size", "training examples per update"),
          Map.entry("epochs", "maximum epochs"),
          Map.entry("patience", "stop after N epochs without better validation NDCG@10 (0: never)"),
          Map.entry("validation-users", "validate on a seeded sample of N users (0: all)"),
          Map.entry("seed", "random seed")));

  @Override
  public List<Option> options() {
    List<Option> o = new ArrayList<>(Interactions.options());
    o.add(new Option("modality", "NAME=FILE.npy...", "another modality: a 2-D float table, row = item id, row 0 = "
        + "padding (with --mapping: row = external id); repeat for more", null, false));
    o.add(Option.optional("collab", "FILE.npy", "collaborative modality table (row = item id, row 0 = padding, e.g. "
        + "train-sasrec's " + TrainSasRecCommand.EMB_FILE + "); default: train SASRec here", null));
    o.add(Option.optional("backbone", "DIR", "Hugging Face Llama checkpoint as the backbone (LoRA by default; "
        + "practical on a GPU); default: a --backbone-preset trained from scratch", null));
    o.add(Option.optional("sasrec-config", "FILE.json", "SASRec config (snake_case keys; missing keys take the "
        + "defaults of train-sasrec)", null));
    o.add(Option.optional("quant-config", "FILE.json", "MM-RQ-VAE config (snake_case keys as quantize's options; "
        + "missing keys take the defaults; anchor: collab)", null));
    o.add(Option.optional("mapping", "CSV", ItemIdMapping.FILE_NAME + " (internal_id,external_id) whose external ids "
        + "are the row numbers of the --modality tables", null));
    o.add(Option.required("out", "DIR", "output directory (created if missing): " + SASREC_DIR + "/, " + QUANT_DIR
        + "/, " + BUNDLE_DIR + "/, " + METRICS_FILE + ", " + TRAINING_FILE));
    o.addAll(CONFIG.options());
    o.addAll(RunOptionsCli.options());
    return o;
  }

  @Override
  public List<OptionRule> optionRules() {
    List<OptionRule> rules = new ArrayList<>(Interactions.rules());
    rules.add(new OptionRule("sasrec-config", a -> !a.has("collab"),
        "together with --collab: SASRec is trained only to make the collaborative table"));
    rules.add(OptionRule.onlyWithOption("mapping", "modality"));
    rules.add(new OptionRule("backbone-preset", a -> !a.has("backbone"),
        "together with --backbone: a preset is the architecture of a backbone trained from scratch"));
    for (String lora : List.of("lora-r", "lora-alpha", "lora-dropout", "lora-targets")) {
      rules.add(new OptionRule(lora, TrainMmeSidCommand::usesLora,
          "unless the backbone trains LoRA adapters (--backbone-training lora, or the default with --backbone)"));
    }
    rules.add(new OptionRule("sid-init", TrainMmeSidCommand::sidEmbeddings,
        "with --sid-embeddings false: there are no SID embedding tables to initialise"));
    rules.add(new OptionRule("quant-config", TrainMmeSidCommand::sidEmbeddings,
        "with --sid-embeddings false: without semantic IDs no MM-RQ-VAE is trained"));
    rules.add(new OptionRule("tau", a -> !"id_only".equals(enumValue(a.get("scoring"))),
        "with --scoring id_only: tau is the temperature of the fusion weights"));
    return rules;
  }

  private static String enumValue(String v) {
    return v == null ? "" : v.trim().toLowerCase(Locale.ROOT).replace('-', '_');
  }

  private static boolean usesLora(Args a) {
    String t = enumValue(a.get("backbone-training"));
    return switch (t) {
      case "lora" -> true;
      case "default" -> a.has("backbone");
      case "frozen", "full" -> false;
      default -> true; // an unknown value is reported by the config
    };
  }

  private static boolean sidEmbeddings(Args a) {
    return !"false".equals(enumValue(a.get("sid-embeddings")));
  }

  /** A {@code --modality NAME=FILE.npy} entry. */
  private record ModalityFile(String name, Path file) {}

  @Override
  public int run(Args args, PrintStream out) {
    long t0 = System.nanoTime();
    Interactions.inputFile(args);
    MmeSidConfig config = CONFIG.parse(args, Map.of());
    List<ModalityFile> modalityFiles = modalityFiles(args);
    Path collabFile = args.get("collab") == null ? null : args.existingFile("collab");
    Path backbone = args.path("backbone");
    if (backbone != null && !Files.isRegularFile(backbone.resolve("config.json"))) {
      throw new UsageException("--backbone " + backbone + ": " + (Files.isDirectory(backbone) ? "no config.json in it"
          : "no such directory") + "; give a Hugging Face Llama checkpoint directory (config.json and safetensors "
          + "weights)");
    }
    List<String> names = new ArrayList<>(List.of(COLLAB));
    modalityFiles.forEach(m -> names.add(m.name()));
    for (String m : config.modalities()) {
      if (!names.contains(m)) {
        throw new UsageException("--modalities names '" + m + "', which is not a modality; allowed: " + names);
      }
    }
    SasRecConfig sasrecConfig = collabFile == null ? sasrecConfig(args) : null;
    MmRqVaeConfig quantConfig = config.sidEmbeddings() ? quantConfig(args) : null;
    ItemIdMapping tableMapping = args.get("mapping") == null ? null
        : ItemIdMapping.readCsv(args.existingFile("mapping"));
    OutputDir dir = args.outputDir("out");
    args.outputDir("checkpoints");
    RunOptions run = RunOptionsCli.parse(args);

    Interactions in = Interactions.read(args);
    SequenceDataset data = in.dataset();
    Map<Path, float[][]> raw = new LinkedHashMap<>();
    if (collabFile != null) {
      raw.put(collabFile, EmbeddingTables.read(collabFile, "--collab "));
    }
    for (ModalityFile m : modalityFiles) {
      raw.put(m.file(), EmbeddingTables.read(m.file(), "--modality " + m.name() + "="));
    }
    if (!in.remapped() && tableMapping == null) {
      data = coverTableItems(data, raw, out);
    }
    int n = data.numItems();
    if (tableMapping != null && in.remapped()
        && !tableMapping.originalIds().equals(data.mapping().originalIds())) {
      throw new IllegalArgumentException("--mapping " + args.get("mapping") + " numbers the items differently from "
          + "--ratings " + in.input() + "; give the " + ItemIdMapping.FILE_NAME + " written for these ratings (e.g. by "
          + "train-sasrec)");
    }
    LeaveOneOutSplit split = LeaveOneOutSplit.of(data);
    out.printf(Locale.ROOT, "data: %s  users=%d items=%d interactions=%d%n", in.input(), data.numUsers(), n,
        data.numInteractions());
    // every table is read and checked before any training
    Map<String, float[][]> tables = new LinkedHashMap<>();
    Map<String, Object> sources = new LinkedHashMap<>();
    if (collabFile != null) {
      tables.put(COLLAB, EmbeddingTables.itemTable(collabFile, raw.get(collabFile), n, null, "--collab ", null));
      sources.put(COLLAB, collabFile.toString());
    } else {
      sources.put(COLLAB, SASREC_DIR + "/" + TrainSasRecCommand.EMB_FILE);
    }
    for (ModalityFile m : modalityFiles) {
      String option = "--modality " + m.name() + "=";
      tables.put(m.name(), EmbeddingTables.itemTable(m.file(), raw.get(m.file()), n, tableMapping, option,
          args.get("mapping")));
      sources.put(m.name(), m.file().toString());
    }
    if (quantConfig != null && quantConfig.codebookSize() > n) {
      throw new IllegalArgumentException("the MM-RQ-VAE codebook size " + quantConfig.codebookSize() + " exceeds the "
          + n + " items of " + in.input() + "; give a --quant-config with codebook_size at most " + n);
    }
    ItemIdMapping mapping = in.remapped() ? data.mapping() : tableMapping;

    Stages stages = new Stages(out, t0);
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("input", in.input().toString());
    stats.put("users", data.numUsers());
    stats.put("items", n);
    stats.put("interactions", data.numInteractions());
    stats.put("modalities", sources);

    // stage 1: the collaborative table
    float[][] collab = tables.get(COLLAB);
    if (collab == null) {
      long s0 = stages.start("sasrec", sasrecConfig.toString());
      SasRecTrainingResult r = SasRecTrainer.train(split, sasrecConfig, stageRun(run, "sasrec", out));
      try (SasRecRecommender rec = r.recommender()) {
        OutputDir sd = dir.subdir(SASREC_DIR);
        rec.save(sd.file(TrainSasRecCommand.MODEL_FILE));
        rec.exportItemEmbeddings(sd.file(TrainSasRecCommand.EMB_FILE));
        collab = rec.itemEmbeddings();
      }
      Map<String, Object> metrics = new LinkedHashMap<>(r.metrics());
      stats.put("sasrec", stage(sasrecConfig, r.log(), metrics, stages.end("sasrec", s0, r.log())));
    } else {
      stats.put("sasrec", Map.of("skipped", "collaborative table from --collab " + collabFile));
    }
    ItemCatalog.Builder cb = ItemCatalog.builder(n).add(COLLAB, collab);
    for (ModalityFile m : modalityFiles) {
      cb.add(m.name(), tables.get(m.name()));
    }
    ItemCatalog catalog = cb.build();

    // stage 2: semantic IDs
    MmeSidInputs inputs;
    if (quantConfig != null) {
      long s0 = stages.start("quant", quantConfig.toString());
      MmRqVaeTrainingResult q = MmRqVaeTrainer.train(catalog, quantConfig, stageRun(run, "quant", out));
      try (MmRqVaeModel model = q.model()) {
        Map<String, float[][]> rows = new LinkedHashMap<>();
        for (String m : catalog.modalities()) {
          float[][] all = catalog.matrix(m);
          rows.put(m, Arrays.copyOfRange(all, 1, all.length));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("training", q.log());
        extra.put("padding_row_dropped", false);
        extra.put("padding_row_in_outputs", true);
        extra.put("mapping", mapping == null ? null : ItemIdMapping.FILE_NAME);
        extra.put("config", quantConfig);
        QuantReport report = QuantOutputs.write(dir.subdir(QUANT_DIR), model, rows, true, mapping, REPORT_PAIRS,
            quantConfig.seed(), extra);
        QuantOutputs.print(out, report);
        inputs = MmeSidInputs.of(catalog, model);
      }
      stats.put("quant", stage(quantConfig, q.log(), q.metrics(), stages.end("quant", s0, q.log())));
    } else {
      inputs = MmeSidInputs.builder(catalog).build();
      stats.put("quant", Map.of("skipped", "--sid-embeddings false: no semantic IDs"));
    }
    if (backbone != null) {
      inputs = inputs.withBackbone(backbone);
    }

    // stage 3: the recommender
    long s0 = stages.start(MMESID_STAGE, config.toString());
    MmeSidTrainingResult m = MmeSidTrainer.train(split, inputs, config, stageRun(run, MMESID_STAGE, out));
    try (MmeSidRecommender rec = m.recommender()) {
      double trainSeconds = stages.end(MMESID_STAGE, s0, m.log());
      long t1 = System.nanoTime();
      EvaluationResult test = Evaluator.builder().split(Split.TEST).ks(5, 10, 20).threads(1)
          .batchSize(MmeSidRecommender.SCORING_BATCH).build().evaluate(rec, split);
      long t2 = System.nanoTime();
      out.print(test.toTable());
      test.writeJson(dir.file(METRICS_FILE));
      Path bundle = dir.tree(BUNDLE_DIR);
      rec.save(bundle, backbone);
      if (mapping != null) {
        mapping.writeCsv(bundle.resolve(ItemIdMapping.FILE_NAME));
        mapping.writeCsv(dir.file(ItemIdMapping.FILE_NAME));
      }
      stats.put(MMESID_STAGE, stage(config, m.log(), m.metrics(), trainSeconds));
      stats.put("test_evaluation_seconds", (t2 - t1) / 1e9);
      stats.put("total_seconds", (System.nanoTime() - t0) / 1e9);
      long peak = TrainingLog.currentPeakRssBytes();
      stats.put("peak_rss_bytes", peak);
      Json.writeFile(dir.file(TRAINING_FILE), stats);
      out.printf(Locale.ROOT, "peak memory (RSS) %s; total %.1f s; wrote %s%s, %s, %s%s to %s%n",
          peak < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", peak / 1048576.0),
          (System.nanoTime() - t0) / 1e9, collabFile == null ? SASREC_DIR + "/, " : "",
          quantConfig == null ? BUNDLE_DIR + "/" : QUANT_DIR + "/, " + BUNDLE_DIR + "/", METRICS_FILE, TRAINING_FILE,
          mapping == null ? "" : ", " + ItemIdMapping.FILE_NAME, dir);
    }
    return 0;
  }

  /** One stage's entry of {@value #TRAINING_FILE}. */
  private static Map<String, Object> stage(Object config, TrainingLog log, Map<String, ?> metrics, double seconds) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("config", config);
    s.put("training", log);
    s.put("metrics", metrics);
    s.put("seconds", seconds);
    return s;
  }

  /** The run options of one stage: its own checkpoint subdirectory, and a progress line per validation. */
  private static RunOptions stageRun(RunOptions run, String stage, PrintStream out) {
    RunOptions.Builder b = run.toBuilder().listener(new TrainingListener() {
      @Override
      public void onValidation(ValidationInfo v) {
        out.printf(Locale.ROOT, "  %s epoch %d (step %d): validation %.4f (best %.4f)%s%n", stage, v.epoch() + 1,
            v.step(), v.metric(), v.best(), v.improved() ? " *" : "");
      }
    });
    if (run.checkpointDir() != null) {
      b.checkpoints(run.checkpointDir().resolve(stage));
    }
    return b.build();
  }

  /** Prints one line when a stage starts and one when it ends, with the time since the command started. */
  private record Stages(PrintStream out, long t0) {
    long start(String stage, String detail) {
      long now = System.nanoTime();
      out.printf(Locale.ROOT, "[%7.1f s] stage %s: start (%s)%n", (now - t0) / 1e9, stage, detail);
      return now;
    }

    double end(String stage, long started, TrainingLog log) {
      long now = System.nanoTime();
      double seconds = (now - started) / 1e9;
      out.printf(Locale.ROOT, "[%7.1f s] stage %s: done in %.1f s (%d epochs, %d updates%s, last loss %.5f)%n",
          (now - t0) / 1e9, stage, seconds, log.epochsCompleted(), log.steps(),
          log.metric() == null ? "" : String.format(Locale.ROOT, ", best validation %s %.4f", log.metric(),
              log.bestMetric()), log.lastLoss());
      return seconds;
    }
  }

  /** The {@code --modality NAME=FILE.npy} entries, checked: names valid and distinct, files present. */
  private static List<ModalityFile> modalityFiles(Args args) {
    List<ModalityFile> out = new ArrayList<>();
    Set<String> seen = new HashSet<>(List.of(COLLAB));
    for (String v : args.getAll("modality")) {
      int eq = v.indexOf('=');
      if (eq < 0) {
        throw new UsageException("--modality '" + v + "' must be NAME=FILE.npy, e.g. text=text_emb.npy");
      }
      String name = v.substring(0, eq).trim();
      Path file = Path.of(v.substring(eq + 1).trim());
      if (!MODALITY_NAME.matcher(name).matches()) {
        throw new UsageException("--modality '" + v + "': name '" + name + "' is not allowed; allowed: 1-64 letters, "
            + "digits, '_' or '-', starting with a letter");
      }
      if (!seen.add(name)) {
        throw new UsageException("--modality '" + v + "': the modality '" + name + "' is given twice"
            + (name.equals(COLLAB) ? " ('" + COLLAB + "' is the collaborative table: use --collab)" : "")
            + "; names must be unique");
      }
      if (!Files.isRegularFile(file)) {
        throw new UsageException("--modality " + name + "=" + file + ": no such file");
      }
      out.add(new ModalityFile(name, file));
    }
    return out;
  }

  /**
   * The SASRec configuration: {@code --sasrec-config} bound over the defaults, or the defaults.
   *
   * @param args the parsed options
   * @return the configuration
   * @throws IllegalArgumentException naming the file and key if the JSON is not a valid configuration
   */
  static SasRecConfig sasrecConfig(Args args) {
    SasRecConfig defaults = SasRecConfig.builder().build();
    if (args.get("sasrec-config") == null) {
      return defaults;
    }
    Path f = args.existingFile("sasrec-config");
    return Json.readConfig(Json.readTree(f), SasRecConfig.class, defaults, f.toString());
  }

  /**
   * The MM-RQ-VAE configuration: {@code --quant-config} bound over the defaults (Sinkhorn epsilons
   * default to the given number of levels, the alignment anchor to {@value #COLLAB}), or the
   * defaults.
   *
   * @param args the parsed options
   * @return the configuration
   * @throws IllegalArgumentException naming the file and key if the JSON is not a valid configuration
   */
  static MmRqVaeConfig quantConfig(Args args) {
    MmRqVaeConfig defaults = MmRqVaeConfig.builder().anchor(COLLAB).build();
    if (args.get("quant-config") == null) {
      return defaults;
    }
    Path f = args.existingFile("quant-config");
    JsonNode json = Json.readTree(f);
    if (json.isObject() && json.path("levels").canConvertToInt() && !json.has("sinkhorn_epsilons")) {
      int levels = json.path("levels").asInt();
      if (levels >= 1 && levels <= 64) {
        ObjectNode copy = ((ObjectNode) json).deepCopy();
        copy.set("sinkhorn_epsilons", Json.toTree(MmRqVaeConfig.builder().levels(levels).build().sinkhornEpsilons()));
        json = copy;
      }
    }
    return Json.readConfig(json, MmRqVaeConfig.class, defaults, f.toString());
  }
}

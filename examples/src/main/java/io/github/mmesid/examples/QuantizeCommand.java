package io.github.mmesid.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.MmRqVaeTrainingResult;
import io.github.mmesid.quant.QuantReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code quantize}: trains an MM-RQ-VAE on one or more embedding matrices and writes the model,
 * every item's codes and semantic IDs, the codebooks and a quality report, each file atomically.
 *
 * <p>Rows are items: with {@code --padding-row 0} row r is item r (row 0 dropped), otherwise row r
 * is item r + 1. A table given with a {@code --mapping items.csv} entry is instead indexed by
 * external id (row r holds the item whose external id is r) and is aligned to the mapping's
 * internal ids, so that row i of every output is internal id i.
 */
public final class QuantizeCommand implements Command {

  @Override
  public String name() {
    return "quantize";
  }

  @Override
  public String summary() {
    return "train an MM-RQ-VAE on item embeddings (.npy); write codes, semantic IDs, codebooks, report.json";
  }

  /** The MM-RQ-VAE config options: one per {@link MmRqVaeConfig} field, named after it. */
  static final ConfigOptions<MmRqVaeConfig> CONFIG = new ConfigOptions<>(MmRqVaeConfig.builder().build(),
      Map.ofEntries(
          Map.entry("levels", "residual levels L"),
          Map.entry("codebook-size", "codes per level K"),
          Map.entry("latent-dim", "latent / code embedding size e_dim"),
          Map.entry("hidden-layers", "encoder hidden sizes (the decoder mirrors them)"),
          Map.entry("dropout", "dropout on hidden activations"),
          Map.entry("beta", "commitment weight of the per-level quantization loss"),
          Map.entry("commitment", "which levels' commitment terms reach the encoder: every_level (r' = r - sg(q)) "
              + "or first_level (r' = sg(r - q), the reference)"),
          Map.entry("recon", "reconstruction loss"),
          Map.entry("mmd-alphas", "MMD kernel bandwidth factors"),
          Map.entry("align", "cross-modal alignment loss"),
          Map.entry("temperature", "InfoNCE temperature (only with --align infonce)"),
          Map.entry("anchor", "alignment anchor modality (default: the first of --names)"),
          Map.entry("recon-weight", "weight of the reconstruction losses"),
          Map.entry("quant-weight", "weight of the quantization losses"),
          Map.entry("align-weight", "weight of the alignment losses"),
          Map.entry("kmeans-init", "k-means codebook initialisation (false: random)"),
          Map.entry("balanced-kmeans", "size-balanced k-means initialisation"),
          Map.entry("kmeans-iterations", "Lloyd iterations of the initialisation"),
          Map.entry("kmeans-restarts", "k-means runs per level from different seeds (the least inertia is kept)"),
          Map.entry("kmeans-sample", "items clustered by the initialisation: first_batch (max(batch, K) sampled) "
              + "or all_items"),
          Map.entry("kmeans-sizes", "cluster size bounds of the initialisation: free, or reference "
              + "(min(N/2K, 50) to 4x that per cluster)"),
          Map.entry("sinkhorn-epsilons", "per-level Sinkhorn epsilon, 0 = nearest code (default for L levels: "
              + "0,...,0,0.003)"),
          Map.entry("sinkhorn-iterations", "Sinkhorn rounds"),
          Map.entry("sinkhorn-order", "which marginal a Sinkhorn round normalises first: codes_first or "
              + "items_first (the reference)"),
          Map.entry("reseed-dead-codes", "move unused codes onto random residuals at each validation"),
          Map.entry("learning-rate", "AdamW learning rate"),
          Map.entry("weight-decay", "AdamW weight decay"),
          Map.entry("batch-size", "items per update"),
          Map.entry("epochs", "epochs (the default fits 10 minutes on 2 cores for 12k items)"),
          Map.entry("validate-every", "epochs between validations"),
          Map.entry("criterion", "best-model / early-stopping criterion"),
          Map.entry("patience", "validations without improvement before stopping (0 = never)"),
          Map.entry("seed", "random seed")));

  @Override
  public List<Option> options() {
    List<Option> o = new ArrayList<>(List.of(
        Option.required("embeddings", "A.npy[,B.npy,...]", "one 2-D float .npy per modality, same row count, row = item"),
        Option.optional("names", "NAME[,NAME,...]", "modality names (first = alignment anchor); default m0,m1,... or 'collab' for one", null),
        Option.optional("padding-row", "0|none", "drop row 0 (then item id = row index); 'none' keeps all rows (item id = row + 1)", "none"),
        Option.optional("mapping", "CSV|none[,...]", "per --embeddings table: an " + ItemIdMapping.FILE_NAME
            + " (internal_id,external_id) whose external ids are the table's row numbers, to align its rows to "
            + "internal ids; 'none' for a table already indexed by internal id", null),
        Option.required("out", "DIR", "output directory (created if missing)"),
        Option.optional("pairs", "N", "item pairs sampled for Kendall's tau", "100000"),
        Option.optional("preset", "default|reference", "settings the other options start from: the SDK "
            + "defaults shown below, or the MME-SID reference's Stage-1 settings (MmRqVaeConfig.referencePreset: "
            + "e_dim 4096, hidden 4096x3, 20000 epochs, ...; reduce them on a CPU)", "default")));
    o.addAll(CONFIG.options());
    o.addAll(RunOptionsCli.options());
    return o;
  }

  @Override
  public List<OptionRule> optionRules() {
    return List.of(
        new OptionRule("align", a -> tables(a) > 1, "with a single --embeddings table: alignment needs two or more modalities"),
        new OptionRule("temperature", a -> tables(a) > 1 && "infonce".equals(effective(a, "align")),
            "unless --align is infonce with two or more --embeddings tables (it is the InfoNCE temperature)"),
        new OptionRule("mmd-alphas", a -> "mmd".equals(effective(a, "recon"))
            || ("mmd".equals(effective(a, "align")) && tables(a) > 1),
            "unless --recon mmd, or --align mmd with two or more --embeddings tables (they are MMD bandwidths)"),
        new OptionRule("balanced-kmeans", a -> !"false".equalsIgnoreCase(effective(a, "kmeans-init")),
            "with --kmeans-init false: there is no k-means initialisation to balance"),
        new OptionRule("kmeans-sizes", a -> !"false".equalsIgnoreCase(effective(a, "kmeans-init")),
            "with --kmeans-init false: there is no k-means initialisation to constrain"),
        new OptionRule("kmeans-restarts", a -> !"false".equalsIgnoreCase(effective(a, "kmeans-init")),
            "with --kmeans-init false: there is no k-means initialisation to restart"),
        new OptionRule("kmeans-sample", a -> !"false".equalsIgnoreCase(effective(a, "kmeans-init")),
            "with --kmeans-init false: there is no k-means initialisation to sample for"),
        new OptionRule("sinkhorn-iterations", a -> "true".equalsIgnoreCase(effective(a, "balanced-kmeans"))
            || !a.has("sinkhorn-epsilons") || Arrays.stream(doubles(a, "sinkhorn-epsilons")).anyMatch(e -> e > 0),
            "when every --sinkhorn-epsilons is 0 (nearest codes) and --balanced-kmeans is off: no Sinkhorn runs"),
        new OptionRule("sinkhorn-order", a -> !a.has("sinkhorn-epsilons")
            || Arrays.stream(doubles(a, "sinkhorn-epsilons")).anyMatch(e -> e > 0),
            "when every --sinkhorn-epsilons is 0 (nearest codes): no Sinkhorn assignment runs"),
        new OptionRule("padding-row", a -> a.get("mapping") == null
            || Arrays.stream(a.get("mapping").split(",")).anyMatch(m -> m.trim().equals("none")),
            "when every --embeddings table is aligned by --mapping (mapped tables are indexed by external id)"));
  }

  /**
   * The value a config option has in this run: the given one, else the {@code --preset}'s (whose
   * values can differ from the defaults shown in help), lower case.
   */
  private static String effective(Args a, String option) {
    if (a.has(option)) {
      return a.get(option).toLowerCase(Locale.ROOT);
    }
    JsonNode v = Json.toTree(preset(a)).get(option.replace('-', '_'));
    return v == null || v.isNull() ? null : v.asText().toLowerCase(Locale.ROOT);
  }

  /**
   * The configuration {@code --preset} names, whose values the other options replace.
   *
   * @throws UsageException if the preset is not one of {@code default}, {@code reference}
   */
  private static MmRqVaeConfig preset(Args a) {
    return switch (a.choice("preset", List.of("default", "reference"))) {
      case "reference" -> MmRqVaeConfig.referencePreset();
      default -> MmRqVaeConfig.builder().build();
    };
  }

  private static int tables(Args a) {
    return a.get("embeddings").split(",").length;
  }

  @Override
  public int run(Args args, PrintStream out) {
    String[] files = args.get("embeddings").split(",");
    List<String> names = new ArrayList<>();
    if (args.get("names") != null) {
      names.addAll(Arrays.asList(args.get("names").split(",")));
    } else if (files.length == 1) {
      names.add("collab");
    } else {
      for (int i = 0; i < files.length; i++) {
        names.add("m" + i);
      }
    }
    if (names.size() != files.length) {
      throw new UsageException("--names has " + names.size() + " entries but --embeddings has " + files.length
          + "; give one name per embeddings file");
    }
    String pad = args.get("padding-row");
    boolean dropRow0;
    if ("0".equals(pad)) {
      dropRow0 = true;
    } else if ("none".equals(pad)) {
      dropRow0 = false;
    } else {
      throw new UsageException("--padding-row '" + pad + "' is not allowed; allowed: 0, none");
    }
    MmRqVaeConfig cfg = config(args);
    ItemIdMapping[] mappings = mappings(args, files.length);
    ItemIdMapping mapping = null;
    for (ItemIdMapping m : mappings) {
      mapping = m != null ? m : mapping;
    }
    int pairs = args.intValue("pairs", 2, 100_000_000);
    List<Path> paths = new ArrayList<>();
    for (String f : files) {
      Path p = Path.of(f.trim());
      if (!java.nio.file.Files.isRegularFile(p)) {
        throw new UsageException("--embeddings " + p + ": no such file");
      }
      paths.add(p);
    }
    OutputDir outDir = args.outputDir("out");
    args.outputDir("checkpoints");
    RunOptions run = RunOptionsCli.parse(args);
    Map<String, float[][]> data = new LinkedHashMap<>();
    for (int i = 0; i < files.length; i++) {
      Path f = paths.get(i);
      float[][] m = Npy.readFloatMatrix(f);
      if (m.length == 0) {
        throw new IllegalArgumentException(f + " has 0 rows; it needs one row per item (at least --codebook-size "
            + cfg.codebookSize() + " items)");
      }
      if (m[0].length == 0) {
        throw new IllegalArgumentException(f + " has " + m.length + " rows of 0 columns; each item needs an "
            + "embedding of at least 1 value");
      }
      String used = "";
      if (mappings[i] != null) {
        int rows = m.length;
        m = EmbeddingTables.align(f, m, mappings[i], args.get("mapping"));
        used = String.format(Locale.ROOT, " (aligned by --mapping: %d of %d rows used)", m.length, rows);
      } else if (dropRow0) {
        if (m.length < 2) {
          throw new IllegalArgumentException(f + " has " + m.length + " rows; --padding-row 0 needs at least 2");
        }
        m = Arrays.copyOfRange(m, 1, m.length);
      }
      if (m.length < cfg.codebookSize()) {
        throw new IllegalArgumentException(f + " gives " + m.length + " item rows but --codebook-size "
            + cfg.codebookSize() + " needs at least that many items (k-means needs K points); lower --codebook-size to at most "
            + m.length);
      }
      if (data.put(names.get(i).trim(), m) != null) {
        throw new UsageException("--names: '" + names.get(i) + "' appears twice; names must be unique");
      }
      out.printf(Locale.ROOT, "modality %s: %s, %d items x %d%s%n", names.get(i), f, m.length, m[0].length, used);
    }
    boolean paddingRowOut = dropRow0 || mapping != null;
    MmRqVaeTrainingResult res = MmRqVaeTrainer.train(data, cfg, run);
    try (MmRqVaeModel model = res.model()) {
      TrainingLog log = res.log();
      out.printf(Locale.ROOT, "trained %d updates (%d epochs%s) in %.1f s, last loss %.5f%n",
          log.steps(), log.epochsCompleted(), log.stoppedEarly() ? ", stopped early" : "", log.seconds(),
          log.lastLoss());
      long t0 = System.nanoTime();
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("training", log);
      extra.put("padding_row_dropped", dropRow0);
      extra.put("padding_row_in_outputs", paddingRowOut);
      extra.put("mapping", mapping == null ? null : ItemIdMapping.FILE_NAME);
      extra.put("preset", args.get("preset"));
      extra.put("config", cfg);
      QuantReport report = QuantOutputs.write(outDir, model, data, paddingRowOut, mapping, pairs, cfg.seed(), extra);
      QuantOutputs.print(out, report);
      out.printf(Locale.ROOT, "outputs and report written in %.1f s; wrote %s%n", (System.nanoTime() - t0) / 1e9, outDir);
    }
    return 0;
  }

  /** The --mapping entries: one per table (null = none), all naming the same mapping. */
  private static ItemIdMapping[] mappings(Args args, int tables) {
    ItemIdMapping[] out = new ItemIdMapping[tables];
    String v = args.get("mapping");
    if (v == null) {
      return out;
    }
    String[] entries = v.split(",", -1);
    if (entries.length != tables) {
      throw new UsageException("--mapping has " + entries.length + " entries but --embeddings has " + tables
          + " tables; give one entry per table, 'none' for a table already indexed by internal id");
    }
    Path file = null;
    ItemIdMapping m = null;
    for (int i = 0; i < tables; i++) {
      String e = entries[i].trim();
      if (e.equals("none")) {
        continue;
      }
      Path p = Path.of(e);
      if (file == null) {
        if (!java.nio.file.Files.isRegularFile(p)) {
          throw new UsageException("--mapping " + p + ": no such file");
        }
        file = p;
        m = ItemIdMapping.readCsv(p);
      } else if (!p.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
        throw new UsageException("--mapping names two files, " + file + " and " + p
            + "; all aligned tables must use the same mapping (one set of internal ids)");
      }
      out[i] = m;
    }
    if (m == null) {
      throw new UsageException("--mapping '" + v + "' names no mapping file; omit it, or give " + ItemIdMapping.FILE_NAME);
    }
    return out;
  }

  /**
   * Builds the MM-RQ-VAE configuration from the command line: the given options replace the
   * values of {@code --preset} (the SDK defaults or {@link MmRqVaeConfig#referencePreset()}); the
   * anchor defaults to the first of {@code --names}, and Sinkhorn epsilons to the default for the
   * given number of levels.
   *
   * @param a the parsed options of this command
   * @return the configuration
   * @throws UsageException if an option is malformed or out of range
   */
  static MmRqVaeConfig config(Args a) {
    MmRqVaeConfig base = preset(a);
    Map<String, String> derived = new LinkedHashMap<>();
    if (a.get("names") != null) {
      derived.put("anchor", a.get("names").split(",")[0].trim());
    }
    if (a.has("levels") && !a.has("sinkhorn-epsilons")) {
      int levels = a.intValue("levels", 1, 64);
      double[] eps = new double[levels];
      eps[levels - 1] = 0.003;
      derived.put("sinkhorn-epsilons", Arrays.stream(eps).mapToObj(Double::toString)
          .collect(java.util.stream.Collectors.joining(",")));
    }
    return CONFIG.parse(base, a, derived);
  }

  private static double[] doubles(Args a, String name) {
    String v = a.get(name);
    try {
      return Arrays.stream(v.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
    } catch (NumberFormatException | NullPointerException e) {
      throw new UsageException("--" + name + " '" + v + "' is not a number or comma-separated list of numbers");
    }
  }
}

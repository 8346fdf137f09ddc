package io.github.mmesid.examples;

import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.MmRqVaeTrainingResult;
import io.github.mmesid.quant.QuantReport;
import io.github.mmesid.quant.QuantizedSemanticIdCodec;
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
          Map.entry("beta", "commitment weight of the per-level quantisation loss"),
          Map.entry("recon", "reconstruction loss"),
          Map.entry("mmd-alphas", "MMD kernel bandwidth factors"),
          Map.entry("align", "cross-modal alignment loss"),
          Map.entry("temperature", "InfoNCE temperature (only with --align infonce)"),
          Map.entry("anchor", "alignment anchor modality (default: the first of --names)"),
          Map.entry("recon-weight", "weight of the reconstruction losses"),
          Map.entry("quant-weight", "weight of the quantisation losses"),
          Map.entry("align-weight", "weight of the alignment losses"),
          Map.entry("kmeans-init", "k-means codebook initialisation (false: random)"),
          Map.entry("balanced-kmeans", "size-balanced k-means initialisation"),
          Map.entry("kmeans-iterations", "Lloyd iterations of the initialisation"),
          Map.entry("sinkhorn-epsilons", "per-level Sinkhorn epsilon, 0 = nearest code (default for L levels: "
              + "0,...,0,0.003)"),
          Map.entry("sinkhorn-iterations", "Sinkhorn rounds"),
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
        Option.required("out", "DIR", "output directory (created if missing)"),
        Option.optional("pairs", "N", "item pairs sampled for Kendall's tau", "100000")));
    o.addAll(CONFIG.options());
    o.addAll(RunOptionsCli.options());
    return o;
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
    Path outDir = args.path("out");
    RunOptions run = RunOptionsCli.parse(args);
    Map<String, float[][]> data = new LinkedHashMap<>();
    for (int i = 0; i < files.length; i++) {
      Path f = Path.of(files[i].trim());
      if (!java.nio.file.Files.isRegularFile(f)) {
        throw new UsageException("--embeddings " + f + ": no such file");
      }
      float[][] m = Npy.readFloatMatrix(f);
      if (dropRow0) {
        if (m.length < 2) {
          throw new IllegalArgumentException(f + " has " + m.length + " rows; --padding-row 0 needs at least 2");
        }
        m = Arrays.copyOfRange(m, 1, m.length);
      }
      if (data.put(names.get(i).trim(), m) != null) {
        throw new UsageException("--names: '" + names.get(i) + "' appears twice; names must be unique");
      }
      out.printf(Locale.ROOT, "modality %s: %s, %d items x %d%n", names.get(i), f, m.length, m[0].length);
    }
    MmRqVaeTrainingResult res = MmRqVaeTrainer.train(data, cfg, run);
    int pairs = args.intValue("pairs", 2, 100_000_000);
    try (MmRqVaeModel model = res.model()) {
      TrainingLog log = res.log();
      out.printf(Locale.ROOT, "trained %d updates (%d epochs%s) in %.1f s, last loss %.5f%n",
          log.steps(), log.epochsCompleted(), log.stoppedEarly() ? ", stopped early" : "", log.seconds(),
          log.lastLoss());
      model.save(outDir);
      for (String m : model.modalities()) {
        QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(model.quantizer(m), data.get(m), true);
        writeTable(outDir.resolve("codes_" + m + ".npy"), codec.baseCodes(), dropRow0);
        writeTable(outDir.resolve("sids_" + m + ".npy"), codec.idTable(), dropRow0);
        float[][][] books = model.codebooks(m);
        int l = books.length;
        int k = books[0].length;
        int e = books[0][0].length;
        float[] flat = new float[l * k * e];
        for (int a = 0; a < l; a++) {
          for (int b = 0; b < k; b++) {
            System.arraycopy(books[a][b], 0, flat, (a * k + b) * e, e);
          }
        }
        Npy.write(outDir.resolve("codebooks_" + m + ".npy"), NpyArray.ofFloats(flat, l, k, e));
      }
      long t0 = System.nanoTime();
      QuantReport report = QuantReport.compute(model, data, pairs, cfg.seed());
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("training", log);
      extra.put("padding_row_dropped", dropRow0);
      extra.put("config", cfg);
      report.writeJson(outDir.resolve("report.json"), extra);
      for (QuantReport.ModalityReport r : report.modalities()) {
        out.printf(Locale.ROOT, "%s: recon MSE %.5f, collision rate %.4f (after disambiguation %.4f, max %d items/ID), "
            + "kendall tau %.4f, usage %s, perplexity %s%n", r.name(), r.reconstructionMse(),
            r.collisions().collisionRate(), r.disambiguated().collisionRate(), r.collisions().maxItemsPerId(),
            r.kendallTau(), fmt(r.usage()), fmt(r.perplexity()));
      }
      for (QuantReport.CrossModalReport c : report.crossModal()) {
        out.printf(Locale.ROOT, "%s vs %s: code NMI per level %s, quantised-distance tau %.4f%n", c.anchor(),
            c.other(), fmt(c.codeNmi()), c.quantizedDistanceTau());
      }
      out.printf(Locale.ROOT, "report computed in %.1f s; wrote %s%n", (System.nanoTime() - t0) / 1e9, outDir);
    }
    return 0;
  }

  private static String fmt(double[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, v[i] >= 10 ? "%.1f" : "%.3f", v[i]));
    }
    return sb.append(']').toString();
  }

  /** Writes a code table with one row per input row (a zero row 0 for the padding row). */
  private static void writeTable(Path file, int[][] rows, boolean paddingRow) {
    int width = rows[0].length;
    int offset = paddingRow ? 1 : 0;
    int[] flat = new int[(rows.length + offset) * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, (i + offset) * width, width);
    }
    Npy.write(file, NpyArray.ofInts(flat, rows.length + offset, width));
  }

  /**
   * Builds the MM-RQ-VAE configuration from the command line; the anchor defaults to the first
   * of {@code --names}, and Sinkhorn epsilons to the default for the given number of levels.
   *
   * @param a the parsed options of this command
   * @return the configuration
   * @throws UsageException if an option is malformed or out of range
   */
  static MmRqVaeConfig config(Args a) {
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
    return CONFIG.parse(a, derived);
  }
}

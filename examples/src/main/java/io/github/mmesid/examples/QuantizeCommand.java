package io.github.mmesid.examples;

import io.github.mmesid.core.data.ItemIdMapping;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.quant.MmRqVae;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.QuantReport;
import io.github.mmesid.quant.QuantizedSemanticIdCodec;
import io.github.mmesid.quant.TrainingOptions;
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

  @Override
  public List<Option> options() {
    return List.of(
        Option.required("embeddings", "A.npy[,B.npy,...]", "one 2-D float .npy per modality, same row count, row = item"),
        Option.optional("names", "NAME[,NAME,...]", "modality names (first = alignment anchor); default m0,m1,... or 'collab' for one", null),
        Option.optional("padding-row", "0|none", "drop row 0 (then item id = row index); 'none' keeps all rows (item id = row + 1)", "none"),
        Option.optional("mapping", "CSV|none[,...]", "per --embeddings table: an " + ItemIdMapping.FILE_NAME
            + " (internal_id,external_id) whose external ids are the table's row numbers, to align its rows to "
            + "internal ids; 'none' for a table already indexed by internal id", null),
        Option.required("out", "DIR", "output directory (created if missing)"),
        Option.optional("levels", "L", "residual levels", "4"),
        Option.optional("codes", "K", "codes per level", "256"),
        Option.optional("e-dim", "E", "latent / code embedding size", "64"),
        Option.optional("layers", "H,H,...|none", "encoder hidden sizes (decoder mirrors)", "256,128"),
        Option.optional("recon", "mmd|mse", "reconstruction loss", "mmd"),
        Option.optional("mmd-alphas", "A,A,...", "MMD kernel bandwidth factors", "0.125,0.25,0.5,1,2"),
        Option.optional("align", "infonce|mmd|none", "cross-modal alignment loss", "infonce"),
        Option.optional("temperature", "T", "InfoNCE temperature", "0.1"),
        Option.optional("weights", "R,Q,A", "weights of reconstruction, quantisation, alignment", "3,1,0.01"),
        Option.optional("beta", "B", "commitment weight", "0.25"),
        Option.optional("dropout", "P", "dropout on hidden activations", "0"),
        Option.optional("sinkhorn-eps", "E,E,...", "per-level Sinkhorn epsilon (0 = nearest); default 0,..,0,0.003", null),
        Option.optional("sinkhorn-iters", "N", "Sinkhorn rounds", "50"),
        Option.flag("balanced-kmeans", "size-balanced k-means codebook initialisation"),
        Option.flag("no-kmeans", "random codebook initialisation instead of k-means"),
        Option.flag("reseed-dead-codes", "move unused codes onto random residuals at each validation"),
        Option.optional("epochs", "N", "epochs (the default fits 10 minutes on 2 cores for 12k items)", "50"),
        Option.optional("batch", "B", "batch size", "1024"),
        Option.optional("lr", "LR", "AdamW learning rate", "0.001"),
        Option.optional("weight-decay", "WD", "AdamW weight decay", "0.0001"),
        Option.optional("validate-every", "N", "epochs between validations", "10"),
        Option.optional("criterion", "loss|collision", "best-model / early-stopping criterion", "loss"),
        Option.optional("patience", "N", "validations without improvement before stopping (0 = never)", "0"),
        Option.optional("seed", "S", "random seed", "42"),
        Option.optional("pairs", "N", "item pairs sampled for Kendall's tau", "100000"),
        Option.optional("threads", "N", "ONNX Runtime intra-op threads (0 = ORT default)", "0"),
        Option.optional("checkpoints", "DIR", "resumable checkpoints directory", null));
  }

  @Override
  public List<OptionRule> optionRules() {
    return List.of(
        new OptionRule("align", a -> tables(a) > 1, "with a single --embeddings table: alignment needs two or more modalities"),
        new OptionRule("temperature", a -> tables(a) > 1 && "infonce".equals(a.get("align")),
            "unless --align is infonce with two or more --embeddings tables (it is the InfoNCE temperature)"),
        new OptionRule("mmd-alphas", a -> "mmd".equals(a.get("recon")) || ("mmd".equals(a.get("align")) && tables(a) > 1),
            "unless --recon mmd, or --align mmd with two or more --embeddings tables (they are MMD bandwidths)"),
        OptionRule.notWith("balanced-kmeans", "no-kmeans"),
        new OptionRule("sinkhorn-iters", a -> (a.has("balanced-kmeans") && !a.has("no-kmeans"))
            || a.get("sinkhorn-eps") == null || Arrays.stream(doubles(a, "sinkhorn-eps")).anyMatch(e -> e > 0),
            "when every --sinkhorn-eps is 0 (nearest codes) and --balanced-kmeans is off: no Sinkhorn runs"),
        new OptionRule("padding-row", a -> a.get("mapping") == null
            || Arrays.stream(a.get("mapping").split(",")).anyMatch(m -> m.trim().equals("none")),
            "when every --embeddings table is aligned by --mapping (mapped tables are indexed by external id)"));
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
    MmRqVaeConfig cfg;
    try {
      cfg = config(args);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
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
    int threads = args.intValue("threads", 0, 1024);
    RuntimeOptions rt = threads == 0 ? RuntimeOptions.defaults()
        : RuntimeOptions.builder().intraOpThreads(threads).build();
    TrainingOptions topts = TrainingOptions.defaults().withRuntime(rt);
    if (args.get("checkpoints") != null) {
      topts = topts.withCheckpoints(args.path("checkpoints"), true);
    }
    Map<String, float[][]> data = new LinkedHashMap<>();
    for (int i = 0; i < files.length; i++) {
      Path f = paths.get(i);
      float[][] m = Npy.readFloatMatrix(f);
      if (m.length == 0) {
        throw new IllegalArgumentException(f + " has 0 rows; it needs one row per item (at least --codes "
            + cfg.codebookSize() + " items)");
      }
      if (m[0].length == 0) {
        throw new IllegalArgumentException(f + " has " + m.length + " rows of 0 columns; each item needs an "
            + "embedding of at least 1 value");
      }
      String used = "";
      if (mappings[i] != null) {
        int rows = m.length;
        m = align(f, m, mappings[i], args.get("mapping"));
        used = String.format(Locale.ROOT, " (aligned by --mapping: %d of %d rows used)", m.length, rows);
      } else if (dropRow0) {
        if (m.length < 2) {
          throw new IllegalArgumentException(f + " has " + m.length + " rows; --padding-row 0 needs at least 2");
        }
        m = Arrays.copyOfRange(m, 1, m.length);
      }
      if (m.length < cfg.codebookSize()) {
        throw new IllegalArgumentException(f + " gives " + m.length + " item rows but --codes "
            + cfg.codebookSize() + " needs at least that many items (k-means needs K points); lower --codes to at most "
            + m.length);
      }
      if (data.put(names.get(i).trim(), m) != null) {
        throw new UsageException("--names: '" + names.get(i) + "' appears twice; names must be unique");
      }
      out.printf(Locale.ROOT, "modality %s: %s, %d items x %d%s%n", names.get(i), f, m.length, m[0].length, used);
    }
    boolean paddingRowOut = dropRow0 || mapping != null;
    MmRqVae.Result res = MmRqVae.train(data, cfg, topts);
    try (MmRqVaeModel model = res.model()) {
      out.printf(Locale.ROOT, "trained %d updates (%d epochs%s) in %.1f s, last loss %.5f%n",
          res.training().steps(), res.training().epochsCompleted(),
          res.training().stoppedEarly() ? ", stopped early" : "", res.seconds(), res.training().lastLoss());
      outDir.file(MmRqVaeModel.WEIGHTS_FILE);
      outDir.file(MmRqVaeModel.MANIFEST_FILE);
      model.save(outDir.path());
      if (mapping != null) {
        mapping.writeCsv(outDir.file(ItemIdMapping.FILE_NAME));
      }
      for (String m : model.modalities()) {
        QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(model.quantizer(m), data.get(m), true);
        writeTable(outDir.file("codes_" + m + ".npy"), codec.baseCodes(), paddingRowOut);
        writeTable(outDir.file("sids_" + m + ".npy"), codec.idTable(), paddingRowOut);
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
        Outputs.writeNpy(outDir.file("codebooks_" + m + ".npy"), NpyArray.ofFloats(flat, l, k, e));
      }
      long t0 = System.nanoTime();
      QuantReport report = QuantReport.compute(model, data, pairs, cfg.seed());
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("train_seconds", res.seconds());
      extra.put("steps", res.training().steps());
      extra.put("epochs_completed", res.training().epochsCompleted());
      extra.put("last_loss", res.training().lastLoss());
      extra.put("best_metric", res.training().bestMetric());
      extra.put("best_step", res.training().bestStep());
      extra.put("stopped_early", res.training().stoppedEarly());
      extra.put("padding_row_dropped", dropRow0);
      extra.put("padding_row_in_outputs", paddingRowOut);
      extra.put("mapping", mapping == null ? null : ItemIdMapping.FILE_NAME);
      extra.put("config", cfg.toString());
      report.writeJson(outDir.file("report.json"), extra);
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
   * Aligns a table indexed by external id (row r = the item with external id r) to internal ids:
   * row i - 1 of the result is internal id i.
   */
  static float[][] align(Path table, float[][] rows, ItemIdMapping mapping, String mappingOption) {
    float[][] out = new float[mapping.size()][];
    int missing = 0;
    String firstMissing = null;
    for (int i = 1; i <= mapping.size(); i++) {
      String ext = mapping.originalId(i);
      long r;
      try {
        r = Long.parseLong(ext.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--mapping " + mappingOption + ": external id '" + ext + "' of item " + i
            + " is not a row number of " + table + "; --mapping aligns tables whose row r holds the item with "
            + "external id r (integer ids)");
      }
      if (r < 0 || r >= rows.length) {
        if (missing++ == 0) {
          firstMissing = "item " + i + " (external id " + ext + ")";
        }
        continue;
      }
      out[i - 1] = rows[(int) r];
    }
    if (missing > 0) {
      throw new IllegalArgumentException(table + " has rows 0.." + (rows.length - 1) + " but " + missing + " of the "
          + mapping.size() + " items of --mapping have an external id without a row, first " + firstMissing
          + "; the table needs a row for every mapped item");
    }
    return out;
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

  static MmRqVaeConfig config(Args a) {
    MmRqVaeConfig.Builder b = MmRqVaeConfig.builder()
        .levels(a.intValue("levels", 1, 64))
        .codebookSize(a.intValue("codes", 1, 1 << 20))
        .latentDim(a.intValue("e-dim", 1, 1 << 16))
        .hiddenLayers("none".equals(a.get("layers")) ? new int[0] : a.intList("layers"))
        .recon(MmRqVaeConfig.ReconLoss.valueOf(a.choice("recon", List.of("mmd", "mse")).toUpperCase(Locale.ROOT)))
        .mmdAlphas(doubles(a, "mmd-alphas"))
        .align(MmRqVaeConfig.AlignLoss.valueOf(a.choice("align", List.of("infonce", "mmd", "none")).toUpperCase(Locale.ROOT)))
        .temperature(doubles(a, "temperature")[0])
        .beta(doubles(a, "beta")[0])
        .dropout(doubles(a, "dropout")[0])
        .sinkhornIterations(a.intValue("sinkhorn-iters", 1, 100_000))
        .balancedKmeans(a.has("balanced-kmeans"))
        .kmeansInit(!a.has("no-kmeans"))
        .reseedDeadCodes(a.has("reseed-dead-codes"))
        .epochs(a.intValue("epochs", 1, 10_000_000))
        .batchSize(a.intValue("batch", 1, 1 << 20))
        .learningRate(doubles(a, "lr")[0])
        .weightDecay(doubles(a, "weight-decay")[0])
        .validateEvery(a.intValue("validate-every", 1, 10_000_000))
        .criterion(MmRqVaeConfig.Criterion.valueOf(a.choice("criterion", List.of("loss", "collision")).toUpperCase(Locale.ROOT)))
        .patience(a.intValue("patience", 0, 1_000_000))
        .seed(a.longValue("seed"));
    double[] w = doubles(a, "weights");
    if (w.length != 3) {
      throw new UsageException("--weights needs three numbers R,Q,A; got " + a.get("weights"));
    }
    b.weights(w[0], w[1], w[2]);
    if (a.get("sinkhorn-eps") != null) {
      b.sinkhornEpsilons(doubles(a, "sinkhorn-eps"));
    }
    if (a.get("names") != null) {
      b.anchor(a.get("names").split(",")[0].trim());
    }
    return b.build();
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

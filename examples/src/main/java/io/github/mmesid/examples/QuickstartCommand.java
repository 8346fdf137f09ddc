package io.github.mmesid.examples;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.data.SyntheticData;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.mmesid.BackbonePreset;
import io.github.mmesid.llm.mmesid.MmeSidConfig;
import io.github.mmesid.llm.mmesid.MmeSidInputs;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.mmesid.MmeSidTrainer;
import io.github.mmesid.llm.mmesid.MmeSidTrainingResult;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.MmRqVaeTrainer;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code quickstart}: generates a synthetic data set, trains and evaluates the available models
 * (popularity, SASRec, and MME-SID: a small MM-RQ-VAE over the three synthetic modalities, then
 * the recommender with a tiny backbone trained from scratch), and shows a few users' histories
 * with their top-10 recommendations.
 */
public final class QuickstartCommand implements Command {

  @Override
  public String name() {
    return "quickstart";
  }

  @Override
  public String summary() {
    return "generate a synthetic data set, train and evaluate the available models, show top-10 lists";
  }

  /**
   * The quick start's MM-RQ-VAE: 3 levels of 32 codes, a small network and few epochs, so that
   * the whole quick start stays within two minutes on 2 cores.
   */
  public static final MmRqVaeConfig QUICK_QUANT = MmRqVaeConfig.builder().levels(3).codebookSize(32).latentDim(32)
      .hiddenLayers(64).epochs(10).validateEvery(10).batchSize(512).seed(42).build();

  /**
   * The quick start's MME-SID: the tiny preset backbone trained from scratch for a few epochs on
   * histories of at most 20 items.
   */
  public static final MmeSidConfig QUICK_MMESID = MmeSidConfig.builder().backbonePreset(BackbonePreset.TINY)
      .maxHistory(20).maxTargetsPerUser(10).learningRate(5e-3).warmupSteps(20).batchSize(128).epochs(3).patience(0)
      .validationUsers(1000).seed(42).build();

  @Override
  public List<Option> options() {
    return List.of(
        Option.optional("users", "N", "synthetic users", "5000"),
        Option.optional("items", "N", "synthetic items", "2000"),
        Option.optional("seed", "S", "random seed", "42"),
        Option.optional("out", "DIR", "write sequences.txt and <modality>.npy files to DIR", null));
  }

  @Override
  public int run(Args args, PrintStream out) {
    int users = args.intValue("users", 10, 10_000_000);
    int items = args.intValue("items", 20, 10_000_000);
    long seed = args.longValue("seed");
    OutputDir dir = args.outputDir("out");

    long t0 = System.nanoTime();
    SyntheticData synth = SyntheticDataGenerator.builder().users(users).items(items).seed(seed).build().generate();
    SequenceDataset data = synth.dataset();
    ItemCatalog catalog = synth.catalog();
    StringBuilder mods = new StringBuilder();
    for (String m : catalog.modalities()) {
      mods.append(mods.length() == 0 ? "" : ", ").append(m).append(" (").append(catalog.dim(m)).append(')');
    }
    out.printf(Locale.ROOT, "synthetic data (seed %d): %d users, %d items, %d interactions; modalities: %s [%.2f s]%n",
        seed, data.numUsers(), data.numItems(), data.numInteractions(), mods, EvaluateCommand.seconds(t0, System.nanoTime()));
    if (dir != null) {
      dir.file(SyntheticData.SEQUENCES_FILE);
      for (String m : catalog.modalities()) {
        dir.file(m + ".npy");
      }
      synth.writeTo(dir.path());
      out.println("wrote " + dir.path().resolve(SyntheticData.SEQUENCES_FILE) + " and " + catalog.modalities().size()
          + " .npy modality files to " + dir);
    }
    LeaveOneOutSplit loo = LeaveOneOutSplit.of(data);
    Evaluator evaluator = Evaluator.builder().split(Split.TEST).build();
    EvaluationResult popularity = null;
    for (String model : Models.trainedNames()) {
      long t1 = System.nanoTime();
      try (SequentialRecommender rec = Models.create(model, loo)) {
        EvaluationResult result = evaluator.evaluate(rec, loo);
        popularity = model.equals("popularity") ? result : popularity;
        report(out, model, rec, result, loo, t1);
      }
    }
    long t1 = System.nanoTime();
    RunOptions run = RunOptions.builder().logEvery(1000).build();
    MmeSidInputs inputs;
    // k-means needs at least K items: tiny catalogs get a smaller codebook
    MmRqVaeConfig quant = QUICK_QUANT.toBuilder().codebookSize(Math.min(QUICK_QUANT.codebookSize(), items)).build();
    try (MmRqVaeModel quantizer = MmRqVaeTrainer.train(catalog, quant, run).model()) {
      inputs = MmeSidInputs.of(catalog, quantizer);
    }
    MmeSidTrainingResult mme = MmeSidTrainer.train(loo, inputs, QUICK_MMESID, run);
    try (MmeSidRecommender rec = mme.recommender()) {
      EvaluationResult result = evaluator.evaluate(rec, loo);
      report(out, "mmesid (MM-RQ-VAE L=" + quant.levels() + " K=" + quant.codebookSize() + " on "
          + catalog.modalities() + ", " + QUICK_MMESID.backbonePreset().name().toLowerCase(Locale.ROOT)
          + " backbone trained from scratch, " + mme.log().epochsCompleted() + " epochs)", rec, result, loo, t1);
      if (popularity != null) {
        out.printf(Locale.ROOT, "%nMME-SID vs popularity: NDCG@10 %.4f vs %.4f (x%.1f), Recall@10 %.4f vs %.4f%n",
            result.ndcg(10), popularity.ndcg(10), result.ndcg(10) / Math.max(popularity.ndcg(10), 1e-12),
            result.recall(10), popularity.recall(10));
      }
    }
    out.printf(Locale.ROOT, "%nquickstart finished in %.2f s%n", EvaluateCommand.seconds(t0, System.nanoTime()));
    return 0;
  }

  /** Prints a model's metrics table and three users' histories with their top-10. */
  private static void report(PrintStream out, String model, SequentialRecommender rec, EvaluationResult result,
      LeaveOneOutSplit loo, long started) {
    SequenceDataset data = loo.dataset();
    out.printf(Locale.ROOT, "%nmodel: %s [trained and evaluated in %.2f s]%n", model,
        EvaluateCommand.seconds(started, System.nanoTime()));
    out.print(result.toTable());
    out.println();
    out.println("sample users (history -> top-10, test item marked with *):");
    int[] evaluable = loo.evaluableUsers();
    for (int i = 0; i < Math.min(3, evaluable.length); i++) {
      int u = evaluable[i];
      int[] history = loo.history(u, Split.TEST);
      int target = loo.target(u, Split.TEST);
      StringBuilder top = new StringBuilder();
      for (ScoredItem s : rec.topK(history, 10)) {
        top.append(top.length() == 0 ? "" : " ").append(s.item()).append(s.item() == target ? "*" : "");
      }
      out.printf(Locale.ROOT, "  user %s: %s -> [%s] (test item %d)%n", data.userKey(u), Arrays.toString(history), top,
          target);
    }
  }
}

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
import io.github.mmesid.core.eval.Evaluator;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code quickstart}: generates a synthetic data set, trains and evaluates the available models,
 * and shows a few users' histories with their top-10 recommendations.
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
    for (String model : Models.names()) {
      long t1 = System.nanoTime();
      try (SequentialRecommender rec = Models.create(model, loo)) {
        EvaluationResult result = evaluator.evaluate(rec, loo);
        out.printf(Locale.ROOT, "%nmodel: %s [trained and evaluated in %.2f s]%n", model,
            EvaluateCommand.seconds(t1, System.nanoTime()));
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
          out.printf(Locale.ROOT, "  user %s: %s -> [%s] (test item %d)%n", data.userKey(u), Arrays.toString(history), top, target);
        }
      }
    }
    out.printf(Locale.ROOT, "%nquickstart finished in %.2f s%n", EvaluateCommand.seconds(t0, System.nanoTime()));
    return 0;
  }
}

package io.github.mmesid.examples;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code evaluate}: leave-one-out full-ranking evaluation of a model on a sequences file or a
 * ratings CSV. By default history items are not candidates (as in {@code topK}), so a target that
 * repeats a history item is a miss; {@code --allow-repeats} keeps them as candidates.
 */
public final class EvaluateCommand implements Command {

  @Override
  public String name() {
    return "evaluate";
  }

  @Override
  public String summary() {
    return "evaluate a model on sequences or ratings (leave-one-out, full ranking: Recall/NDCG/MRR@K)";
  }

  @Override
  public List<Option> options() {
    List<Option> options = new ArrayList<>(Interactions.options());
    options.addAll(List.of(
        Option.optional("model", "NAME", "model to train and evaluate: " + String.join(", ", Models.names()), "popularity"),
        Option.optional("split", "test|valid", "target: last item (test) or second-to-last (valid)", "test"),
        Option.optional("ks", "K,K,...", "cut-offs", "5,10,20"),
        Option.optional("threads", "N", "worker threads",
            Integer.toString(Runtime.getRuntime().availableProcessors())),
        Option.flag("allow-repeats", "repeat-consumption data: history items stay candidates (default: excluded, "
            + "as in topK, so a target already in the history is a miss)"),
        Option.optional("json", "OUT", "also write the metrics as JSON to OUT", null)));
    return options;
  }

  @Override
  public List<OptionRule> optionRules() {
    return Interactions.rules();
  }

  @Override
  public int run(Args args, PrintStream out) {
    Interactions.inputFile(args);
    String model = args.choice("model", Models.names());
    Split split;
    try {
      split = Split.parse(args.get("split"));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--split '" + args.get("split") + "' is not allowed; allowed: test, valid");
    }
    Evaluator evaluator;
    try {
      evaluator = Evaluator.builder().split(split).ks(args.intList("ks"))
          .threads(args.intValue("threads", 1, 1024)).excludeHistory(!args.has("allow-repeats")).build();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    Path json = args.outputFile("json");

    long t0 = System.nanoTime();
    Interactions in = Interactions.read(args);
    Path file = in.input();
    SequenceDataset data = in.dataset();
    LeaveOneOutSplit loo = LeaveOneOutSplit.of(data);
    long t1 = System.nanoTime();
    out.printf(Locale.ROOT, "data: %s  users=%d items=%d interactions=%d (read in %.2f s)%n",
        file, data.numUsers(), data.numItems(), data.numInteractions(), seconds(t0, t1));
    EvaluationResult result;
    long t2;
    try (SequentialRecommender rec = Models.create(model, loo)) {
      t2 = System.nanoTime();
      out.printf(Locale.ROOT, "model: %s (trained in %.2f s)%n", model, seconds(t1, t2));
      result = evaluator.evaluate(rec, loo);
    }
    long t3 = System.nanoTime();
    out.print(result.toTable());
    out.printf(Locale.ROOT, "evaluated %d users in %.2f s (total %.2f s)%n", result.users(), seconds(t2, t3), seconds(t0, t3));
    if (json != null) {
      result.writeJson(json);
      out.println("wrote " + json);
    }
    return 0;
  }

  static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }
}

package io.github.mmesid.examples;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code evaluate}: leave-one-out full-ranking evaluation of a model on a sequences file or a
 * ratings CSV; the model is trained on the data's training parts or, for {@code --model mmesid},
 * loaded from a saved bundle ({@code --bundle DIR}). By default history items are not candidates (as in {@code topK}), so a target that
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
        Option.optional("model", "NAME", "model to evaluate: " + String.join(", ", Models.trainedNames())
            + " (trained on the data) or " + String.join(", ", Models.loadedNames()) + " (a saved --bundle)", "popularity"),
        Option.optional("bundle", "DIR", "the saved model of --model " + String.join("|", Models.loadedNames())
            + " (a train-mmesid bundle directory)", null),
        Option.optional("base-model", "DIR", "the Hugging Face checkpoint a --bundle adapts (LoRA or frozen backbone)",
            null),
        Option.optional("split", "test|valid", "target: last item (test) or second-to-last (valid)", "test"),
        Option.optional("ks", "K,K,...", "cut-offs", "5,10,20"),
        Option.optional("threads", "N", "worker threads (a --bundle model: ONNX Runtime threads)",
            Integer.toString(Runtime.getRuntime().availableProcessors())),
        Option.flag("allow-repeats", "repeat-consumption data: history items stay candidates (default: excluded, "
            + "as in topK, so a target already in the history is a miss)"),
        Option.optional("json", "OUT", "also write the metrics as JSON to OUT", null)));
    return options;
  }

  @Override
  public List<OptionRule> optionRules() {
    List<OptionRule> rules = new ArrayList<>(Interactions.rules());
    rules.add(OptionRule.onlyWith("bundle", "model", Models.loadedNames().toArray(String[]::new)));
    rules.add(OptionRule.onlyWithOption("base-model", "bundle"));
    return rules;
  }

  @Override
  public int run(Args args, PrintStream out) {
    Interactions.inputFile(args);
    String model = args.choice("model", Models.names());
    boolean loaded = Models.loadedNames().contains(model);
    if (loaded && !args.has("bundle")) {
      throw new UsageException("--model " + model + " evaluates a saved model; give --bundle DIR (train one with "
          + "train-mmesid)");
    }
    int threads = args.intValue("threads", 1, 1024);
    Split split;
    try {
      split = Split.parse(args.get("split"));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--split '" + args.get("split") + "' is not allowed; allowed: test, valid");
    }
    Evaluator evaluator;
    try {
      // a loaded model runs its batches one after another on --threads intra-op threads
      evaluator = Evaluator.builder().split(split).ks(args.intList("ks"))
          .threads(loaded ? 1 : threads).excludeHistory(!args.has("allow-repeats")).build();
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
    try (SequentialRecommender rec = loaded ? load(model, args, threads, in) : Models.create(model, loo)) {
      if (rec.numItems() > data.numItems()) { // a bundle over items the sequences file never uses
        loo = LeaveOneOutSplit.of(data.withNumItems(rec.numItems()));
      }
      t2 = System.nanoTime();
      out.printf(Locale.ROOT, "model: %s (%s in %.2f s)%n", model, loaded ? "loaded from " + args.path("bundle")
          : "trained", seconds(t1, t2));
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

  /**
   * Loads a saved model and checks that it ranks the items of the data: the same count and, when
   * both the data (a ratings CSV) and the bundle carry an item id mapping, the same mapping.
   */
  private static SequentialRecommender load(String model, Args args, int threads, Interactions in) {
    Path bundle = args.path("bundle");
    SequentialRecommender rec = Models.load(model, bundle, args.path("base-model"),
        RuntimeOptions.builder().intraOpThreads(threads).build());
    try {
      int n = in.dataset().numItems();
      if (rec.numItems() != n && (in.remapped() || rec.numItems() < n)) {
        throw new IllegalArgumentException("the bundle " + bundle + " ranks " + rec.numItems() + " items but "
            + in.input() + " has " + n + "; evaluate a bundle on the interactions it was trained on");
      }
      Path mappingFile = bundle.resolve(ItemIdMapping.FILE_NAME);
      boolean bundleMapped = Files.isRegularFile(mappingFile);
      if (in.remapped() && !bundleMapped) {
        throw new IllegalArgumentException("the bundle " + bundle + " has no " + ItemIdMapping.FILE_NAME
            + ": it was trained on internal item ids (a sequences file), so the remapped ids of --ratings "
            + in.input() + " need not match them; evaluate it with --sequences");
      }
      if (in.remapped()) {
        List<String> ours = in.dataset().mapping().originalIds();
        List<String> theirs = ItemIdMapping.readCsv(mappingFile).originalIds();
        if (theirs.size() != ours.size()) {
          throw new IllegalArgumentException(mappingFile + " maps " + theirs.size() + " items but the bundle ranks "
              + ours.size() + "; the bundle is inconsistent");
        }
        for (int i = 0; i < ours.size(); i++) {
          if (!ours.get(i).equals(theirs.get(i))) {
            throw new IllegalArgumentException("--ratings " + in.input() + " numbers its items differently from the "
                + "bundle's " + mappingFile + ": internal id " + (i + 1) + " is '" + ours.get(i) + "' in the data "
                + "and '" + theirs.get(i) + "' in the bundle; evaluate a bundle on the interactions it was trained on");
          }
        }
      }
      return rec;
    } catch (RuntimeException e) {
      rec.close();
      throw e;
    }
  }

  static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }
}

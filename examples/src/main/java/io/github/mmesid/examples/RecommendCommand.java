package io.github.mmesid.examples;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code recommend}: loads a saved MME-SID bundle and prints the top-K next items for one
 * history, one tab-separated {@code rank item score} line each, best first (history items are
 * never recommended). When the bundle holds an {@value ItemIdMapping#FILE_NAME} (it was trained on
 * a ratings CSV or with a mapping), the history is given and the items are printed as external
 * ids; otherwise as internal ids 1..N.
 */
public final class RecommendCommand implements Command {

  @Override
  public String name() {
    return "recommend";
  }

  @Override
  public String summary() {
    return "print the top-K next items for a history with a saved MME-SID bundle";
  }

  @Override
  public List<Option> options() {
    return List.of(
        Option.required("bundle", "DIR", "bundle directory written by train-mmesid (its " + TrainMmeSidCommand.BUNDLE_DIR
            + "/)"),
        Option.required("history", "ID,ID,...", "the user's items, oldest first (external ids when the bundle has "
            + ItemIdMapping.FILE_NAME + ", else 1..N); '' for none"),
        Option.optional("k", "N", "how many items", Integer.toString(SequentialRecommender.DEFAULT_K)),
        Option.optional("base-model", "DIR", "the Hugging Face checkpoint the bundle adapts (LoRA or frozen backbone)",
            null),
        Option.optional("threads", "N", "ONNX Runtime intra-op threads",
            Integer.toString(Runtime.getRuntime().availableProcessors())));
  }

  @Override
  public int run(Args args, PrintStream out) {
    Path bundle = args.path("bundle");
    if (!Files.isDirectory(bundle)) {
      throw new UsageException("--bundle " + bundle + ": no such directory");
    }
    int threads = args.intValue("threads", 1, 1024);
    List<String> ids = historyIds(args.get("history"));
    Path mappingFile = bundle.resolve(ItemIdMapping.FILE_NAME);
    ItemIdMapping mapping = Files.isRegularFile(mappingFile) ? ItemIdMapping.readCsv(mappingFile) : null;
    int[] history = mapping == null ? null : external(ids, mapping, mappingFile);
    try (MmeSidRecommender rec = Models.loadMmeSid(bundle, args.path("base-model"),
        RuntimeOptions.builder().intraOpThreads(threads).build())) {
      int n = rec.numItems();
      if (mapping != null && mapping.size() != n) {
        throw new IllegalArgumentException(mappingFile + " maps " + mapping.size() + " items but the bundle ranks " + n
            + "; the bundle is inconsistent");
      }
      if (history == null) {
        history = internal(ids, n);
      }
      int candidates = n - (int) Arrays.stream(history).distinct().count();
      if (candidates < 1) {
        throw new UsageException("--history holds all " + n + " items; there is nothing left to recommend");
      }
      int k = args.has("k") ? kValue(args, candidates, n) : Math.min(SequentialRecommender.DEFAULT_K, candidates);
      List<ScoredItem> top = rec.topK(history, k);
      for (int r = 0; r < top.size(); r++) {
        ScoredItem s = top.get(r);
        out.printf(Locale.ROOT, "%d\t%s\t%.6f%n", r + 1, mapping == null ? Integer.toString(s.item())
            : mapping.originalId(s.item()), s.score());
      }
    }
    return 0;
  }

  private static int kValue(Args args, int candidates, int n) {
    String v = args.get("k");
    try {
      int k = Integer.parseInt(v.trim());
      if (k >= 1 && k <= candidates) {
        return k;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--k '" + v + "' is not allowed; allowed 1.." + candidates + " (the bundle's " + n
        + " items minus the history's distinct items)");
  }

  /** The comma-separated entries of {@code --history}; an empty value is an empty history. */
  private static List<String> historyIds(String v) {
    List<String> out = new ArrayList<>();
    if (v.isBlank()) {
      return out;
    }
    for (String p : v.split(",", -1)) {
      String id = p.trim();
      if (id.isEmpty()) {
        throw new UsageException("--history '" + v + "' has an empty entry; give comma-separated item ids such as "
            + "12,7,301");
      }
      out.add(id);
    }
    return out;
  }

  /** Internal ids 1..N. */
  private static int[] internal(List<String> ids, int n) {
    int[] out = new int[ids.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = Integer.parseInt(ids.get(i));
      } catch (NumberFormatException e) {
        out[i] = -1;
      }
      if (out[i] < 1 || out[i] > n) {
        throw new UsageException("--history: '" + ids.get(i) + "' is not an item id of the bundle; allowed 1.." + n
            + " (the bundle has no " + ItemIdMapping.FILE_NAME + ", so ids are internal)");
      }
    }
    return out;
  }

  /** External ids through the bundle's mapping; every unknown id is named. */
  private static int[] external(List<String> ids, ItemIdMapping mapping, Path mappingFile) {
    int[] out = new int[ids.size()];
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < out.length; i++) {
      if (mapping.contains(ids.get(i))) {
        out[i] = mapping.internalId(ids.get(i));
      } else if (!unknown.contains(ids.get(i))) {
        unknown.add(ids.get(i));
      }
    }
    if (!unknown.isEmpty()) {
      List<String> shown = unknown.subList(0, Math.min(20, unknown.size()));
      throw new UsageException("--history: unknown item id" + (unknown.size() > 1 ? "s " : " ") + "'"
          + String.join("', '", shown) + "'" + (unknown.size() > shown.size() ? " and " + (unknown.size()
          - shown.size()) + " more" : "") + "; the bundle's " + mappingFile + " maps " + mapping.size()
          + " external ids");
    }
    return out;
  }
}

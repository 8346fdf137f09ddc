package io.github.mmesid.examples;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.text.ItemTextEmbeddings;
import io.github.mmesid.llm.text.SentenceEncoder;
import io.github.mmesid.llm.text.SentenceEncoderConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code embed-text}: embeds each item's text (CSV columns, optionally through a template) with a
 * sentence encoder and writes the item table {@code [N + 1, d]} as float32 {@code .npy}: row =
 * internal item id (from {@code --mapping} or the CSV's integer ids), row 0 = padding (zeros).
 * Items without text get a zero row (or, with {@code --missing error}, fail the command).
 */
public final class EmbedTextCommand implements Command {

  @Override
  public String name() {
    return "embed-text";
  }

  @Override
  public String summary() {
    return "embed item text (CSV columns) with a sentence encoder; write the item table (.npy, row = item id)";
  }

  @Override
  public List<Option> options() {
    List<Option> o = new ArrayList<>(List.of(
        Option.required("items", "CSV", "item table with a header line (quoted fields allowed), e.g. movies.csv"),
        Option.required("id-column", "NAME", "column holding the item id, e.g. movieId"),
        Option.required("text-columns", "COL[,COL]", "columns holding text, e.g. title,genres"),
        Option.optional("template", "TEXT", "text per item: {column} placeholders, [optional sections] dropped when "
            + "a placeholder inside is missing, e.g. \"{title}[ ({year})]. Genres: {genres}\"; default: the "
            + "present values joined by '. '", null),
        Option.optional("mapping", "items.csv", "id mapping (internal_id,external_id; ids 1..N) of the sequences; "
            + "without it the CSV ids must be the integer item ids 1..N", null),
        Option.optional("num-items", "N", "number of items N without --mapping (default: the largest id)", null),
        Option.optional("list-separator", "SEP", "join a value's SEP-separated parts with ', ' (e.g. '|' for "
            + "MovieLens genres)", null),
        Option.optional("na-values", "V[,V]", "values meaning 'missing' besides the empty string ('' for none)",
            "NA"),
        Option.optional("missing", "zero|error", "items without text: a zero row, or fail", "zero"),
        Option.optional("model-dir", "DIR", "sentence-transformers ONNX model directory (model.onnx + "
            + "tokenizer.json); default: the bundled all-MiniLM-L6-v2", null),
        Option.optional("batch-size", "B", "texts per ONNX Runtime run", "32"),
        Option.optional("max-length", "T", "maximum tokens per text (0 = the model's own)", "0")));
    o.addAll(RunOptionsCli.executionOptions());
    o.add(Option.flag("no-normalize", "keep the mean-pooled vectors unnormalised (default: L2-normalised)"));
    o.add(Option.required("out", "FILE.npy", "output item table, float32 [N + 1, d], written atomically"));
    return o;
  }

  @Override
  public List<OptionRule> optionRules() {
    return List.of(new OptionRule("num-items", a -> !a.has("mapping"),
        "together with --mapping (N is the number of items of the mapping)"));
  }

  @Override
  public int run(Args args, PrintStream out) {
    Path items = args.existingFile("items");
    String idColumn = args.get("id-column").trim();
    List<String> textColumns = columns(args.get("text-columns"));
    if (idColumn.isEmpty()) {
      throw new UsageException("--id-column is empty; give the name of the id column, e.g. movieId");
    }
    if (textColumns.contains(idColumn)) {
      throw new UsageException("--text-columns contains the id column '" + idColumn + "'; allowed: other columns");
    }
    TextTemplate template = null;
    if (args.get("template") != null) {
      try {
        template = TextTemplate.parse(args.get("template"));
        template.requireColumns(textColumns);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--template: " + e.getMessage());
      }
    }
    Path mappingFile = args.get("mapping") == null ? null : args.existingFile("mapping");
    Integer numItems = args.get("num-items") == null ? null : args.intValue("num-items", 1, SequenceDataset.MAX_ITEMS);
    String sep = args.get("list-separator");
    if (sep != null && sep.isEmpty()) {
      throw new UsageException("--list-separator is empty; give a separator such as '|'");
    }
    Set<String> na = new LinkedHashSet<>();
    for (String v : args.get("na-values").split(",", -1)) {
      if (!v.trim().isEmpty()) {
        na.add(v.trim());
      }
    }
    boolean failOnMissing = "error".equals(args.choice("missing", List.of("zero", "error")));
    int batch = args.intValue("batch-size", 1, SentenceEncoderConfig.MAX_BATCH_SIZE);
    int maxLength = args.intValue("max-length", 0, SentenceEncoderConfig.MAX_LENGTH);
    if (maxLength > 0 && maxLength < SentenceEncoderConfig.MIN_LENGTH) {
      throw new UsageException("--max-length " + maxLength + " is too short; allowed: 0 or "
          + SentenceEncoderConfig.MIN_LENGTH + ".." + SentenceEncoderConfig.MAX_LENGTH);
    }
    int threads = RunOptionsCli.threads(args);
    ExecutionProvider provider = RunOptionsCli.provider(args);
    Path modelDir = args.path("model-dir");
    if (modelDir != null && !Files.isDirectory(modelDir)) {
      throw new UsageException("--model-dir " + modelDir + ": no such directory");
    }
    Path outFile = args.outputFile("out");

    long t0 = System.nanoTime();
    List<CsvTables.ItemRow> rows = CsvTables.readItems(items, idColumn, textColumns, na, sep);
    ItemIdMapping mapping = mappingFile != null ? ItemIdMapping.readCsv(mappingFile) : null;
    String[] external = null;
    if (mapping != null) {
      external = new String[mapping.size() + 1];
      for (int i = 1; i <= mapping.size(); i++) {
        external[i] = mapping.originalId(i).trim();
      }
    }
    int n = external != null ? external.length - 1 : idSpace(rows, items, idColumn, numItems);
    List<String> texts = new ArrayList<>(java.util.Collections.nCopies(n, (String) null));
    int skipped = 0;
    String firstSkipped = null;
    if (external != null) {
      Map<String, Integer> internal = new HashMap<>(n * 2);
      for (int i = 1; i <= n; i++) {
        internal.put(external[i], i);
      }
      for (CsvTables.ItemRow r : rows) {
        Integer id = internal.get(r.id());
        if (id == null) {
          skipped++;
          firstSkipped = firstSkipped == null ? r.id() : firstSkipped;
        } else {
          texts.set(id - 1, text(r, template));
        }
      }
    } else {
      long[] lineOf = new long[n + 1];
      for (CsvTables.ItemRow r : rows) {
        int id = (int) Long.parseLong(r.id());
        if (lineOf[id] != 0) {
          throw new IllegalArgumentException(items + ":" + r.line() + ": " + idColumn + " '" + r.id() + "' is item "
              + id + " again (line " + lineOf[id] + "); allowed: one row per item");
        }
        lineOf[id] = r.line();
        texts.set(id - 1, text(r, template));
      }
    }
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (texts.get(i) == null || texts.get(i).isBlank()) {
        texts.set(i, null);
        missing.add(i + 1);
      }
    }
    out.printf(Locale.ROOT, "items: %s, %d rows; %d items (ids 1..%d, %s)%n", items, rows.size(), n, n,
        external != null ? "from " + mappingFile : "the CSV's ids");
    if (skipped > 0) {
      out.printf(Locale.ROOT, "skipped %d CSV rows whose %s is not in %s (e.g. '%s')%n", skipped, idColumn,
          mappingFile, firstSkipped);
    }
    if (!missing.isEmpty()) {
      String which = describe(missing, external);
      if (failOnMissing) {
        throw new IllegalArgumentException(missing.size() + " of " + n + " items have no text (" + which
            + "); fix the CSV or use --missing zero to give them zero rows");
      }
      out.printf(Locale.ROOT, "%d of %d items have no text and get a zero row: %s%n", missing.size(), n, which);
    }
    for (int i = 0; i < n; i++) {
      if (texts.get(i) != null) {
        out.printf(Locale.ROOT, "example: item %d%s: \"%s\"%n", i + 1,
            external != null ? " (" + idColumn + " " + external[i + 1] + ")" : "", texts.get(i));
        break;
      }
    }
    SentenceEncoderConfig cfg = SentenceEncoderConfig.builder()
        .batchSize(batch)
        .maxLength(maxLength)
        .normalize(!args.has("no-normalize"))
        .runtime(RuntimeOptions.builder().intraOpThreads(threads).provider(provider).build())
        .build();
    float[][] table;
    long t1;
    long t2;
    try (SentenceEncoder enc = modelDir != null ? SentenceEncoder.load(modelDir, cfg) : SentenceEncoder.allMiniLmL6V2(cfg)) {
      t1 = System.nanoTime();
      out.printf(Locale.ROOT, "model: %s%n", enc);
      table = ItemTextEmbeddings.table(enc, texts);
      t2 = System.nanoTime();
    }
    Npy.writeFloatMatrix(outFile, table);
    int encoded = n - missing.size();
    out.printf(Locale.ROOT, "encoded %d texts in %.1f s (%.1f texts/s)%n", encoded, EvaluateCommand.seconds(t1, t2),
        encoded / Math.max(1e-9, EvaluateCommand.seconds(t1, t2)));
    out.printf(Locale.ROOT, "wrote %s: float32 [%d, %d], row = item id, row 0 = padding (%.1f s total)%n", outFile,
        table.length, table[0].length, EvaluateCommand.seconds(t0, System.nanoTime()));
    return 0;
  }

  private static List<String> columns(String spec) {
    List<String> cols = new ArrayList<>();
    for (String c : spec.split(",", -1)) {
      String t = c.trim();
      if (t.isEmpty()) {
        throw new UsageException("--text-columns '" + spec + "' has an empty name; give column names like title,genres");
      }
      if (cols.contains(t)) {
        throw new UsageException("--text-columns names '" + t + "' twice");
      }
      cols.add(t);
    }
    return cols;
  }

  /** Without a mapping: the ids must be integers 1..N; N is --num-items or the largest id. */
  private static int idSpace(List<CsvTables.ItemRow> rows, Path file, String idColumn, Integer numItems) {
    long max = 0;
    for (CsvTables.ItemRow r : rows) {
      long id;
      try {
        id = Long.parseLong(r.id());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(file + ":" + r.line() + ": " + idColumn + " '" + r.id() + "' is not an "
            + "integer item id; without --mapping the ids must be the internal ids 1..N (give --mapping items.csv to "
            + "map external ids)", e);
      }
      long limit = numItems != null ? numItems : SequenceDataset.MAX_ITEMS;
      if (id < 1 || id > limit) {
        throw new IllegalArgumentException(file + ":" + r.line() + ": " + idColumn + " " + id + " is out of range; "
            + "allowed: 1.." + limit + (numItems != null ? " (--num-items)" : "") + " (give --mapping items.csv to map "
            + "external ids)");
      }
      max = Math.max(max, id);
    }
    int n = numItems != null ? numItems : (int) max;
    if (numItems == null && rows.size() * 2L < n) {
      throw new IllegalArgumentException(file + ": the " + idColumn + " values are sparse: " + rows.size()
          + " rows for ids 1.." + n + ", so they look like external ids; give --mapping items.csv (the id mapping of "
          + "the sequences), or --num-items " + n + " if these really are the internal ids");
    }
    return n;
  }

  private static String text(CsvTables.ItemRow r, TextTemplate template) {
    if (r.hasNoText()) {
      return null;
    }
    if (template != null) {
      return template.render(r.values());
    }
    List<String> present = new ArrayList<>();
    for (String v : r.values().values()) {
      if (v != null) {
        present.add(v);
      }
    }
    return String.join(". ", present);
  }

  private static String describe(List<Integer> missing, String[] external) {
    StringBuilder sb = new StringBuilder("item ids ");
    int shown = Math.min(10, missing.size());
    for (int i = 0; i < shown; i++) {
      int id = missing.get(i);
      sb.append(i > 0 ? ", " : "").append(id);
      if (external != null) {
        sb.append(" (").append(external[id]).append(')');
      }
    }
    if (missing.size() > shown) {
      sb.append(", ...");
    }
    return sb.toString();
  }

}

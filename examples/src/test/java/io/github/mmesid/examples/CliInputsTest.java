package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.data.RatingsCsv;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs the CLI used to accept silently (issue 9, section 2), each driven through {@link
 * Cli#run}: ratings columns by header name, traceable ids, huge item ids, degenerate tables,
 * output locations and clean-up, options without effect, and repeated targets.
 */
class CliInputsTest {

  @TempDir
  Path dir;

  record Result(int status, String out, String err) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static void assertOneLineError(Result r, int status, String... expected) {
    assertEquals(status, r.status(), r.err());
    assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    for (String e : expected) {
      assertTrue(r.err().contains(e), "expected '" + e + "' in: " + r.err());
    }
  }

  /** 60 users x 6 ratings over 30 movies with ids 1000, 1003, ..., in a deterministic order. */
  private Path ratings(String name, String header, boolean swapped) throws IOException {
    SplittableRandom r = new SplittableRandom(5);
    StringBuilder sb = new StringBuilder(header).append('\n');
    for (int u = 0; u < 60; u++) {
      for (int t = 0; t < 6; t++) {
        int movie = 1000 + 3 * ((u + 2 * t + r.nextInt(3)) % 30);
        int user = 7 + u * 11;
        if (swapped) { // movieId,timestamp,userId,rating
          sb.append(movie).append(',').append(100 + t).append(',').append(user).append(",4\n");
        } else {
          sb.append(user).append(',').append(movie).append(",4,").append(100 + t).append('\n');
        }
      }
    }
    Path f = dir.resolve(name);
    Files.writeString(f, sb.toString());
    return f;
  }

  @Test
  void ratingsColumnsAreReadByHeaderName() throws IOException {
    Path a = ratings("a.csv", "userId,movieId,rating,timestamp", false);
    Path b = ratings("b.csv", "movieId,timestamp,userId,rating", true);
    Result ra = run("evaluate", "--ratings", a.toString(), "--json", dir.resolve("a.json").toString());
    Result rb = run("evaluate", "--ratings", b.toString(), "--json", dir.resolve("b.json").toString());
    assertEquals(0, ra.status(), ra.err());
    assertEquals(0, rb.status(), rb.err());
    assertTrue(rb.out().contains("users=60 items=30 interactions=360"), rb.out());
    assertEquals(Files.readString(dir.resolve("a.json")), Files.readString(dir.resolve("b.json")));
    // other names, given explicitly
    Path c = dir.resolve("c.csv");
    Files.writeString(c, Files.readString(a).replace("userId,movieId,rating,timestamp", "who,what,stars,when"));
    Result rc = run("evaluate", "--ratings", c.toString(), "--user-column", "who", "--item-column", "what",
        "--time-column", "when", "--json", dir.resolve("c.json").toString());
    assertEquals(0, rc.status(), rc.err());
    assertEquals(Files.readString(dir.resolve("a.json")), Files.readString(dir.resolve("c.json")));
    // unrecognised header: one line naming the header and the accepted names
    Files.writeString(c, Files.readString(a).replace("userId,movieId,rating,timestamp", "u,i,r,t"));
    assertOneLineError(run("evaluate", "--ratings", c.toString()), 1, "c.csv:1: header 'u,i,r,t' has no user column",
        "userid", "--user-column");
    assertOneLineError(run("evaluate", "--ratings", c.toString(), "--user-column", "u", "--item-column", "u"), 2,
        "named for both user and item");
    assertOneLineError(run("evaluate", "--sequences", c.toString(), "--user-column", "u"), 2,
        "--user-column has no effect without --ratings");
    assertOneLineError(run("evaluate"), 2, "give exactly one of --sequences FILE or --ratings CSV");
  }

  @Test
  void trainingFromRatingsWritesTheIdMappingAndQuantizeAlignsTablesByIt() throws IOException {
    Path csv = ratings("r.csv", "userId,movieId,rating,timestamp", false);
    Path run1 = dir.resolve("run");
    Result t = run("train-sasrec", "--ratings", csv.toString(), "--out", run1.toString(), "--dim", "8",
        "--blocks", "1", "--max-len", "5", "--epochs", "1", "--threads", "1", "--seed", "3");
    assertEquals(0, t.status(), t.err());
    Path items = run1.resolve(ItemIdMapping.FILE_NAME);
    assertTrue(t.out().contains(ItemIdMapping.FILE_NAME), t.out());
    ItemIdMapping m = ItemIdMapping.readCsv(items);
    assertEquals(RatingsCsv.read(csv).mapping().originalIds(), m.originalIds());
    assertTrue(Files.readString(items).startsWith("internal_id,external_id\n1,"));
    float[][] emb = Npy.readFloatMatrix(run1.resolve(TrainSasRecCommand.EMB_FILE));
    assertEquals(m.size() + 1, emb.length);

    // a text table indexed by external id: row r = movie r (1000 .. 1087; other rows unused)
    int rows = 1090;
    float[] text = new float[rows * 3];
    for (int r = 0; r < rows; r++) {
      text[3 * r] = r;
      text[3 * r + 1] = (r * 7) % 11;
      text[3 * r + 2] = (r * 13) % 17;
    }
    Path textNpy = dir.resolve("text.npy");
    Npy.write(textNpy, NpyArray.ofFloats(text, rows, 3));
    float[][] aligned = EmbeddingTables.align(textNpy, Npy.readFloatMatrix(textNpy), m, items.toString());
    for (int i = 1; i <= m.size(); i++) {
      assertEquals(Float.parseFloat(m.originalId(i)), aligned[i - 1][0], "row " + (i - 1) + " = internal id " + i);
    }
    Path q = dir.resolve("q");
    String[] common = {"--padding-row", "0", "--levels", "1", "--codebook-size", "4", "--latent-dim", "4", "--hidden-layers", "8",
        "--epochs", "1", "--batch-size", "16", "--pairs", "100", "--threads", "1"};
    List<String> args = new ArrayList<>(List.of("quantize", "--embeddings",
        run1.resolve(TrainSasRecCommand.EMB_FILE) + "," + textNpy, "--names", "collab,text", "--mapping",
        "none," + items, "--out", q.toString()));
    args.addAll(List.of(common));
    Result qr = run(args.toArray(new String[0]));
    assertEquals(0, qr.status(), qr.err());
    assertTrue(qr.out().contains("aligned by --mapping: 30 of 1090 rows used"), qr.out());
    assertEquals(m.originalIds(), ItemIdMapping.readCsv(q.resolve(ItemIdMapping.FILE_NAME)).originalIds());
    assertArrayEquals(new int[] {m.size() + 1, 1}, Npy.read(q.resolve("codes_text.npy")).shape(),
        "row i = internal id i, row 0 = padding");

    // a table too short for the mapping, string ids, mismatched entries, two mappings
    Npy.write(textNpy, NpyArray.ofFloats(java.util.Arrays.copyOf(text, 1050 * 3), 1050, 3));
    Path q2 = dir.resolve("q2");
    assertOneLineError(run(concat(new String[] {"quantize", "--embeddings", textNpy.toString(), "--mapping",
        items.toString(), "--out", q2.toString()}, "--levels", "1", "--codebook-size", "4")), 1,
        "text.npy has rows 0..1049 but", "first item", "needs a row for every mapped item");
    assertFalse(Files.exists(q2), "the output directory the failed run created is removed");
    Path strings = dir.resolve("strings.csv");
    ItemIdMapping.of(List.of("B01", "B02")).writeCsv(strings);
    assertOneLineError(run("quantize", "--embeddings", textNpy.toString(), "--mapping", strings.toString(),
        "--out", q2.toString(), "--levels", "1", "--codebook-size", "2"), 1, "external id 'B01' of item 1 is not a row number");
    assertOneLineError(run("quantize", "--embeddings", textNpy + "," + textNpy, "--mapping", items.toString(),
        "--out", q2.toString()), 2, "--mapping has 1 entries but --embeddings has 2 tables");
    assertOneLineError(run("quantize", "--embeddings", textNpy + "," + textNpy, "--mapping", items + "," + strings,
        "--out", q2.toString()), 2, "all aligned tables must use the same mapping");
    assertOneLineError(run("quantize", "--embeddings", textNpy.toString(), "--mapping", items.toString(),
        "--padding-row", "0", "--out", q2.toString()), 2,
        "--padding-row has no effect when every --embeddings table is aligned by --mapping");
  }

  /** {@code a} followed by {@code b}. */
  static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void aHugeItemIdFailsFastWithAdvice() throws IOException {
    Path seq = dir.resolve("s.txt");
    Files.writeString(seq, "a 1 2 3\nb 2 500000000 1\nc 3 1 2\n");
    assertOneLineError(run("evaluate", "--sequences", seq.toString()), 1,
        "s.txt:2: item ids go up to 500000000 but only 4 distinct items occur", "Remap the ids", "--ratings");
    Path out = dir.resolve("never");
    assertOneLineError(run("train-sasrec", "--sequences", seq.toString(), "--out", out.toString()), 1,
        "500000000");
    assertFalse(Files.exists(out));
  }

  @Test
  void degenerateEmbeddingTablesAreRejectedBeforeTraining() {
    Path out = dir.resolve("q");
    Path empty = dir.resolve("empty.npy");
    Npy.write(empty, NpyArray.ofFloats(new float[0], 0, 4));
    assertOneLineError(run("quantize", "--embeddings", empty.toString(), "--out", out.toString()), 1,
        "empty.npy has 0 rows");
    Path noCols = dir.resolve("nocols.npy");
    Npy.write(noCols, NpyArray.ofFloats(new float[0], 5, 0));
    assertOneLineError(run("quantize", "--embeddings", noCols.toString(), "--out", out.toString()), 1,
        "nocols.npy has 5 rows of 0 columns");
    Path few = dir.resolve("few.npy");
    Npy.write(few, NpyArray.ofFloats(new float[10], 5, 2));
    assertOneLineError(run("quantize", "--embeddings", few.toString(), "--codebook-size", "8", "--out", out.toString()), 1,
        "few.npy gives 5 item rows but --codebook-size 8", "lower --codebook-size to at most 5");
    Path flat = dir.resolve("flat.npy");
    Npy.write(flat, NpyArray.ofFloats(new float[6], 6));
    assertOneLineError(run("quantize", "--embeddings", flat.toString(), "--out", out.toString()), 1, "not 2-D");
    Path one = dir.resolve("one.npy");
    Npy.write(one, NpyArray.ofFloats(new float[4], 1, 4));
    assertOneLineError(run("quantize", "--embeddings", one.toString(), "--padding-row", "0", "--out",
        out.toString()), 1, "one.npy has 1 rows; --padding-row 0 needs at least 2");
    assertFalse(Files.exists(out), "no output directory is left behind");
  }

  @Test
  void outputLocationsAreCheckedBeforeWorkAndCleanedUpAfterFailure() throws IOException {
    Path a = dir.resolve("a.npy");
    Npy.write(a, NpyArray.ofFloats(new float[40 * 3], 40, 3));
    Path file = dir.resolve("plain.txt");
    Files.writeString(file, "x");
    Result r = run("quantize", "--embeddings", a.toString(), "--out", file.resolve("sub").toString(), "--codebook-size", "4");
    assertOneLineError(r, 2, "--out " + file.resolve("sub") + ": Not a directory (" + file + " is a file)");
    assertEquals("", r.out(), "nothing was read or trained");
    assertOneLineError(run("quantize", "--embeddings", a.toString(), "--out", file.toString()), 2,
        "exists and is not a directory");
    Path seq = dir.resolve("s.txt");
    Files.writeString(seq, "a 1 2 3\nb 2 3 1\n");
    assertOneLineError(run("evaluate", "--sequences", seq.toString(), "--json", file.resolve("m.json").toString()), 2,
        "Not a directory");
    assertOneLineError(run("evaluate", "--sequences", seq.toString(), "--json", dir.toString()), 2,
        "is a directory; give a file name");

    // train-sasrec failing after its output directory was made: nothing is left behind
    Path shortSeq = dir.resolve("short.txt");
    Files.writeString(shortSeq, "a 1 2\nb 2 3\n");
    Path out = dir.resolve("deep/out");
    assertOneLineError(run("train-sasrec", "--sequences", shortSeq.toString(), "--out", out.toString(),
        "--epochs", "1"), 1, "at least 3 items");
    assertFalse(Files.exists(dir.resolve("deep")), "created directories are removed");
    // ... but a directory that existed before, and the user's files in it, stay
    Path mine = dir.resolve("mine");
    Files.createDirectories(mine);
    Files.writeString(mine.resolve("notes.txt"), "keep");
    assertOneLineError(run("train-sasrec", "--sequences", shortSeq.toString(), "--out", mine.toString(),
        "--epochs", "1"), 1, "at least 3 items");
    try (var files = Files.list(mine)) {
      assertEquals(List.of(mine.resolve("notes.txt")), files.toList());
    }
  }

  @Test
  void divergencePrintsOneLineAndVerbosePrintsTheTrace() throws IOException {
    Path seq = dir.resolve("s.txt");
    StringBuilder sb = new StringBuilder();
    for (int u = 0; u < 60; u++) {
      sb.append('u').append(u).append(' ').append(1 + u % 9).append(' ').append(1 + (u + 1) % 9).append(' ')
          .append(1 + (u + 2) % 9).append(' ').append(1 + (u + 4) % 9).append('\n');
    }
    Files.writeString(seq, sb.toString());
    String[] args = {"train-sasrec", "--sequences", seq.toString(), "--out", dir.resolve("o").toString(),
        "--dim", "8", "--blocks", "1", "--max-len", "4", "--epochs", "2", "--learning-rate", "1e30", "--batch-size", "8",
        "--threads", "1"};
    Result r = run(args);
    assertOneLineError(r, 1, "mmesid train-sasrec: error: training diverged: Training loss became", "Lower the learning rate");
    assertFalse(Files.exists(dir.resolve("o")));
    Result v = run(concat(args, "--verbose"));
    assertEquals(1, v.status());
    assertTrue(v.err().lines().count() > 3 && v.err().contains("TrainingDivergedException")
        && v.err().contains("\tat "), v.err());
  }

  @Test
  void ioErrorsKeepTheirReason() {
    assertEquals("could not write /x/y: Not a directory", Cli.describe(new UncheckedIOException("could not write /x/y",
        new FileSystemException("/x/y", null, "Not a directory"))));
    assertEquals("cannot write /r/f: Permission denied", Cli.describe(new UncheckedIOException("cannot write /r/f",
        new AccessDeniedException("/r/f"))));
    assertEquals("no reason repeated: Not a directory", Cli.describe(new UncheckedIOException(
        "no reason repeated: Not a directory", new FileSystemException("/x", null, "Not a directory"))));
  }

  @Test
  void optionsWithoutEffectAreRejected() {
    Path seq = dir.resolve("s.txt");
    String o = dir.resolve("o").toString();
    assertOneLineError(run("train-sasrec", "--sequences", seq.toString(), "--out", o, "--negatives", "5"), 2,
        "--negatives has no effect unless --loss is bce");
    assertOneLineError(run("train-sasrec", "--sequences", seq.toString(), "--out", o, "--negatives", "5",
        "--loss", "ce"), 2, "--negatives has no effect");
    String e = dir.resolve("a.npy").toString();
    String[][] quant = {
        {"--temperature", "0.2"}, {"--align", "mmd"}, {"--recon", "mse", "--mmd-alphas", "1,2"},
        {"--balanced-kmeans", "true", "--kmeans-init", "false"}, {"--sinkhorn-epsilons", "0,0", "--levels", "2", "--sinkhorn-iterations", "9"},
        {"--kmeans-sizes", "reference", "--kmeans-init", "false"}, {"--mmd-alphas", "0.5"},
        {"--sinkhorn-epsilons", "0,0", "--levels", "2", "--sinkhorn-order", "items_first"}};
    String[] expected = {"--temperature has no effect", "--align has no effect with a single --embeddings table",
        "--mmd-alphas has no effect", "--balanced-kmeans has no effect with --kmeans-init false",
        "--sinkhorn-iterations has no effect when every --sinkhorn-epsilons is 0",
        "--kmeans-sizes has no effect with --kmeans-init false", "--mmd-alphas has no effect unless --recon mmd",
        "--sinkhorn-order has no effect when every --sinkhorn-epsilons is 0"};
    for (int i = 0; i < quant.length; i++) {
      assertOneLineError(run(concat(new String[] {"quantize", "--embeddings", e, "--out", o}, quant[i])), 2,
          expected[i]);
    }
    // the reference preset reconstructs with the MMD, so its kernels may be given (the run then
    // stops at the missing table, after the option checks)
    assertOneLineError(run("quantize", "--embeddings", e, "--out", o, "--preset", "reference", "--mmd-alphas", "0.5"),
        2, "no such file");
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void repeatedTargetsAreMissesUnlessRepeatsAreAllowed() throws IOException {
    Path seq = dir.resolve("s.txt");
    Files.writeString(seq, "a 1 2 1\nb 2 1 2\nc 1 2 3\n");
    Path j1 = dir.resolve("default.json");
    Path j2 = dir.resolve("repeats.json");
    assertEquals(0, run("evaluate", "--sequences", seq.toString(), "--json", j1.toString()).status());
    assertEquals(0, run("evaluate", "--sequences", seq.toString(), "--allow-repeats", "--json", j2.toString()).status());
    JsonNode d = new ObjectMapper().readTree(j1.toFile());
    JsonNode r = new ObjectMapper().readTree(j2.toFile());
    // a and b repeat a history item: topK never returns it, so only c can be hit by default
    assertEquals(1.0 / 3, d.get("recall@5").asDouble(), 1e-12);
    assertEquals(1.0, r.get("recall@5").asDouble(), 1e-12);
  }
}

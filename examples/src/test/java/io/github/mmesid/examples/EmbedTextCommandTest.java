package io.github.mmesid.examples;

import static io.github.mmesid.examples.CliInputsTest.assertOneLineError;
import static io.github.mmesid.examples.CliInputsTest.concat;
import static io.github.mmesid.examples.CliInputsTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.llm.text.SentenceEncoder;
import io.github.mmesid.examples.CliInputsTest.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed-text} with the bundled all-MiniLM-L6-v2 on small CSVs shaped like MovieLens. */
class EmbedTextCommandTest {

  private static final String MOVIES = """
      "movieId","title","year","genres"
      10,"Toy Story",1995,"Adventure|Animation"
      20,"Lock, Stock and Two Smoking Barrels",1998,"Comedy|Crime"
      30,\"""Great Performances"" Cats",1998,"Musical"
      40,NA,NA,"Drama"
      50,"A title
      over two lines",2000,"Drama"
      60,NA,NA,NA
      99,"Not in the mapping",2001,"Horror"
      """;

  private static final String MAPPING = """
      internal_id,external_id
      1,20
      2,30
      3,10
      4,40
      5,50
      6,60
      7,70
      """;

  private static final String TEMPLATE = "[{title}[ ({year})]. ]Genres: {genres}";

  private static SentenceEncoder encoder;

  @TempDir
  Path dir;

  @BeforeAll
  static void load() {
    encoder = SentenceEncoder.allMiniLmL6V2();
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void writesOneRowPerMappedItemWithTemplateText() throws IOException {
    Path movies = write("movies.csv", MOVIES);
    Path mapping = write("items.csv", MAPPING);
    Path out = dir.resolve("sub").resolve("text.npy");
    Result r = run("embed-text", "--items", movies.toString(), "--id-column", "movieId", "--text-columns",
        "title,year,genres", "--template", TEMPLATE, "--list-separator", "|", "--mapping", mapping.toString(),
        "--batch-size", "2", "--threads", "1", "--out", out.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("7 items (ids 1..7, from " + mapping + ")"), r.out());
    assertTrue(r.out().contains("skipped 1 CSV rows whose movieId is not in " + mapping + " (e.g. '99')"), r.out());
    assertTrue(r.out().contains("2 of 7 items have no text and get a zero row: item ids 6 (60), 7 (70)"), r.out());
    assertTrue(r.out().contains("example: item 1 (movieId 20): \"Lock, Stock and Two Smoking Barrels (1998). "
        + "Genres: Comedy, Crime\""), r.out());
    NpyArray a = Npy.read(out);
    assertArrayEquals(new int[] {8, 384}, a.shape());
    float[][] table = a.toFloatMatrix();
    List<String> expected = List.of(
        "Lock, Stock and Two Smoking Barrels (1998). Genres: Comedy, Crime",
        "\"Great Performances\" Cats (1998). Genres: Musical",
        "Toy Story (1995). Genres: Adventure, Animation",
        "Genres: Drama",
        "A title\nover two lines (2000). Genres: Drama");
    float[][] want = encoder.embed(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(want[i], table[i + 1], 1e-5f, "item " + (i + 1));
    }
    float[] zero = new float[384];
    assertArrayEquals(zero, table[0]);
    assertArrayEquals(zero, table[6]);
    assertArrayEquals(zero, table[7]);
    try (var files = Files.list(out.getParent())) {
      assertEquals(List.of(out), files.toList(), "no temporary file left behind");
    }
  }

  @Test
  void usesIntegerIdsDirectlyWithoutAMapping() throws IOException {
    Path items = write("items.csv", "id,name,description\n2,apple,\"a red, round fruit\"\n1,pear,\n4,,\n");
    Path out = dir.resolve("t.npy");
    Result r = run("embed-text", "--items", items.toString(), "--id-column", "id", "--text-columns",
        "name,description", "--num-items", "5", "--no-normalize", "--out", out.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("3 of 5 items have no text and get a zero row: item ids 3, 4, 5"), r.out());
    float[][] table = Npy.readFloatMatrix(out);
    assertEquals(6, table.length);
    try (SentenceEncoder raw = SentenceEncoder.allMiniLmL6V2(
        io.github.mmesid.llm.text.SentenceEncoderConfig.builder().normalize(false).build())) {
      assertArrayEquals(raw.embed("pear"), table[1], 1e-5f);
      assertArrayEquals(raw.embed("apple. a red, round fruit"), table[2], 1e-5f);
    }
    assertArrayEquals(new float[384], table[3]);
    Result strict = run("embed-text", "--items", items.toString(), "--id-column", "id", "--text-columns",
        "name,description", "--missing", "error", "--out", out.toString());
    assertOneLineError(strict, 1, "2 of 4 items have no text (item ids 3, 4)");
  }

  @Test
  void badInputGetsOneLineNamingFileAndLine() throws IOException {
    Path movies = write("movies.csv", MOVIES);
    Path mapping = write("items.csv", MAPPING);
    Path out = dir.resolve("t.npy");
    String[] base = {"embed-text", "--items", movies.toString(), "--id-column", "movieId", "--text-columns", "title,genres",
        "--out", out.toString()};
    assertOneLineError(run(base), 1, "the movieId values are sparse: 7 rows for ids 1..99");
    assertOneLineError(run(concat(base, "--text-columns", "title,plot")), 2, "is given twice");
    assertOneLineError(run("embed-text", "--items", movies.toString(), "--id-column", "movieId", "--text-columns",
        "title,plot", "--out", out.toString()), 1, "movies.csv:1: no column 'plot' in the header; the columns are "
        + "[movieId, title, year, genres]");
    assertOneLineError(run(concat(base, "--template", "{title} ({year})")), 2,
        "--template: template placeholder {year} is not one of the text columns [title, genres]");
    assertOneLineError(run(concat(base, "--mapping", mapping.toString(), "--num-items", "9")), 2,
        "--num-items has no effect together with --mapping");
    assertOneLineError(run("embed-text", "--items", movies.toString(), "--id-column", "movieId", "--text-columns",
        "title", "--out", dir.toString()), 2, "is a directory");
    Path badMapping = write("bad.csv", "internal,external\n1,10\n");
    assertOneLineError(run(concat(base, "--mapping", badMapping.toString())), 1,
        "bad.csv:1: header is 'internal,external'; expected 'internal_id,external_id'");
    Path gapMapping = write("gap.csv", "internal_id,external_id\n1,10\n3,20\n");
    assertOneLineError(run(concat(base, "--mapping", gapMapping.toString())), 1,
        "gap.csv:3: internal id '3'; ids must be 1..N in order, expected 2");
    Path dupMapping = write("dup.csv", "internal_id,external_id\n1,10\n2,10\n");
    assertOneLineError(run(concat(base, "--mapping", dupMapping.toString())), 1, "dup.csv: original id '10'");
    // line numbers count the physical lines of a quoted field with a line break
    Path dupRow = write("dupRow.csv", MOVIES + "10,\"again\",1995,\"Drama\"\n");
    assertOneLineError(run("embed-text", "--items", dupRow.toString(), "--id-column", "movieId", "--text-columns",
        "title", "--mapping", mapping.toString(), "--out", out.toString()), 1, "dupRow.csv:10: movieId '10' repeats line 2");
    Path unterminated = write("open.csv", "id,title\n1,\"no end\n2,x\n");
    assertOneLineError(run("embed-text", "--items", unterminated.toString(), "--id-column", "id", "--text-columns",
        "title", "--out", out.toString()), 1, "open.csv");
    Path words = write("words.csv", "id,title\nabc,x\n");
    assertOneLineError(run("embed-text", "--items", words.toString(), "--id-column", "id", "--text-columns",
        "title", "--out", out.toString()), 1, "words.csv:2: id 'abc' is not an integer item id");
    Path shortRow = write("short.csv", "id,title,genres\n1,x\n");
    assertOneLineError(run("embed-text", "--items", shortRow.toString(), "--id-column", "id", "--text-columns",
        "title,genres", "--out", out.toString()), 1, "short.csv:2: 2 fields");
    assertOneLineError(run(concat(base, "--model-dir", dir.resolve("none").toString())), 2, "no such directory");
    assertOneLineError(run(concat(base, "--provider", "tpu")), 2, "allowed: cpu, cuda, cuda-prefer");
    assertFalse(Files.exists(out), "nothing written on failure");
    Path nested = dir.resolve("new").resolve("t.npy");
    assertOneLineError(run("embed-text", "--items", words.toString(), "--id-column", "id", "--text-columns",
        "title", "--out", nested.toString()), 1, "is not an integer item id");
    assertFalse(Files.exists(dir.resolve("new")), "a directory made for --out is removed on failure");
  }
}

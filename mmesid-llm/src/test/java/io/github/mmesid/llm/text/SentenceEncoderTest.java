package io.github.mmesid.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder against a plain-Java reference on tiny models whose token vectors are rows of a
 * known table: pooling, padding, sorting, truncation, input discovery and lifecycle.
 */
class SentenceEncoderTest {

  private static final float TOL = 1e-5f;

  @TempDir
  Path dir;

  private static SentenceEncoderConfig config(int batch, boolean normalize) {
    return SentenceEncoderConfig.builder().batchSize(batch).normalize(normalize)
        .runtime(RuntimeOptions.builder().intraOpThreads(1).build()).build();
  }

  /** Random texts of 0..12 vocabulary words (and an unknown word now and then). */
  private static List<String> texts(int n, long seed) {
    Random rnd = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = rnd.nextInt(13);
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < len; w++) {
        sb.append(w == 0 ? "" : " ").append(rnd.nextInt(20) == 0 ? "kiwi"
            : TinySentenceModels.VOCAB.get(4 + rnd.nextInt(TinySentenceModels.VOCAB.size() - 4)));
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test
  void meanPoolsOverTheMaskInInputOrderForAnyBatchSize() {
    Path model = TinySentenceModels.write(dir.resolve("m"), TinySentenceModels.Variant.PLAIN);
    List<String> texts = texts(50, 1);
    for (boolean normalize : new boolean[] {true, false}) {
      for (int batch : new int[] {1, 3, 7, 64}) {
        try (SentenceEncoder enc = SentenceEncoder.load(model, config(batch, normalize))) {
          assertEquals(TinySentenceModels.HIDDEN, enc.dimension());
          assertEquals(Set.of("input_ids", "attention_mask"), enc.inputNames());
          assertEquals("last_hidden_state", enc.outputName());
          float[][] got = enc.embed(texts);
          assertEquals(texts.size(), got.length);
          for (int i = 0; i < texts.size(); i++) {
            float[] want = TinySentenceModels.reference(TinySentenceModels.ids(texts.get(i)), normalize);
            assertArrayEquals(want, got[i], TOL, "text " + i + " '" + texts.get(i) + "' batch " + batch);
          }
          assertArrayEquals(got[7], enc.embed(texts.get(7)), TOL);
        }
      }
    }
  }

  @Test
  void truncatesContentTokensAndKeepsTheSpecialOnes() {
    // max length from sentence_bert_config.json (5) wins over tokenizer.json's truncation (9)
    Path model = TinySentenceModels.write(dir.resolve("m"), TinySentenceModels.Variant.PLAIN,
        "{\"direction\": \"Right\", \"max_length\": 9, \"strategy\": \"LongestFirst\", \"stride\": 0}", 5);
    try (SentenceEncoder enc = SentenceEncoder.load(model, config(4, true))) {
      assertEquals(5, enc.maxLength());
      String longText = "red green blue apple pear plum";
      assertEquals(8, enc.tokenCount(longText));
      float[] want = TinySentenceModels.reference(new int[] {TinySentenceModels.CLS, 4, 5, 6, TinySentenceModels.SEP}, true);
      float[][] got = enc.embed(List.of("red", longText, "red green blue"));
      assertArrayEquals(want, got[1], TOL);
      assertArrayEquals(got[2], got[1], TOL, "the truncated text equals its first three words");
      assertArrayEquals(TinySentenceModels.reference(TinySentenceModels.ids("red"), true), got[0], TOL);
    }
    // configured max length wins over the files
    try (SentenceEncoder enc = SentenceEncoder.load(model, config(4, true).toBuilder().maxLength(3).build())) {
      assertEquals(3, enc.maxLength());
      assertArrayEquals(TinySentenceModels.reference(new int[] {TinySentenceModels.CLS, 4, TinySentenceModels.SEP}, true),
          enc.embed("red green blue"), TOL);
    }
  }

  @Test
  void maxLengthComesFromTheTokenizerFilesOrTheFallback() throws Exception {
    Path a = TinySentenceModels.write(dir.resolve("a"), TinySentenceModels.Variant.PLAIN,
        "{\"direction\": \"Right\", \"max_length\": 9, \"strategy\": \"LongestFirst\", \"stride\": 0}", null);
    try (SentenceEncoder enc = SentenceEncoder.load(a, config(4, true))) {
      assertEquals(9, enc.maxLength());
    }
    Path b = TinySentenceModels.write(dir.resolve("b"), TinySentenceModels.Variant.PLAIN);
    Files.writeString(b.resolve("tokenizer_config.json"), "{\"model_max_length\": 77}");
    try (SentenceEncoder enc = SentenceEncoder.load(b, config(4, true))) {
      assertEquals(77, enc.maxLength());
    }
    // transformers' "no limit" sentinel is ignored
    Files.writeString(b.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
    try (SentenceEncoder enc = SentenceEncoder.load(b, config(4, true))) {
      assertEquals(SentenceEncoder.FALLBACK_MAX_LENGTH, enc.maxLength());
    }
    Files.writeString(b.resolve("sentence_bert_config.json"), "{\"max_seq_length\": -4}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentenceEncoder.load(b));
    assertTrue(e.getMessage().contains("sentence_bert_config.json: max_seq_length is -4"), e.getMessage());
    Files.writeString(b.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 2}");
    IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class, () -> SentenceEncoder.load(b));
    assertTrue(tooShort.getMessage().contains("max_seq_length is 2"), tooShort.getMessage());
  }

  @Test
  void feedsTokenTypeIdsAndInt32InputsAndFindsStOutputs() {
    List<String> texts = texts(9, 3);
    for (TinySentenceModels.Variant v : List.of(TinySentenceModels.Variant.TOKEN_TYPES,
        TinySentenceModels.Variant.INT32, TinySentenceModels.Variant.ST_OUTPUTS)) {
      Path model = TinySentenceModels.write(dir.resolve(v.name()), v);
      try (SentenceEncoder enc = SentenceEncoder.load(model, config(4, true))) {
        if (v == TinySentenceModels.Variant.TOKEN_TYPES) {
          assertEquals(Set.of("input_ids", "attention_mask", "token_type_ids"), enc.inputNames());
        }
        if (v == TinySentenceModels.Variant.ST_OUTPUTS) {
          assertEquals("token_embeddings", enc.outputName());
        }
        float[][] got = enc.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
          assertArrayEquals(TinySentenceModels.reference(TinySentenceModels.ids(texts.get(i)), true), got[i], TOL,
              v + " text " + i);
        }
      }
    }
  }

  @Test
  void rejectsModelsWithInputsItCannotFeed() {
    Path extra = TinySentenceModels.write(dir.resolve("extra"), TinySentenceModels.Variant.EXTRA_INPUT);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentenceEncoder.load(extra));
    assertTrue(e.getMessage().contains("input named 'pixel_values'")
        && e.getMessage().contains("[input_ids, attention_mask, token_type_ids]"), e.getMessage());
    Path noMask = TinySentenceModels.write(dir.resolve("nomask"), TinySentenceModels.Variant.NO_MASK);
    IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> SentenceEncoder.load(noMask));
    assertTrue(m.getMessage().contains("no input 'attention_mask'") && m.getMessage().contains("[input_ids]"),
        m.getMessage());
  }

  @Test
  void missingFilesAreNamed() throws Exception {
    UncheckedIOException noDir = assertThrows(UncheckedIOException.class, () -> SentenceEncoder.load(dir.resolve("x")));
    assertTrue(noDir.getMessage().contains("no such directory"), noDir.getMessage());
    Path empty = Files.createDirectories(dir.resolve("empty"));
    UncheckedIOException noModel = assertThrows(UncheckedIOException.class, () -> SentenceEncoder.load(empty));
    assertTrue(noModel.getMessage().contains("no model.onnx (nor onnx/model.onnx)"), noModel.getMessage());
    Files.write(empty.resolve("model.onnx"), TinySentenceModels.model(TinySentenceModels.Variant.PLAIN));
    UncheckedIOException noTok = assertThrows(UncheckedIOException.class, () -> SentenceEncoder.load(empty));
    assertTrue(noTok.getMessage().contains("tokenizer.json: no such file"), noTok.getMessage());
    // Optimum's layout: onnx/model.onnx next to tokenizer.json
    Path optimum = Files.createDirectories(dir.resolve("optimum").resolve("onnx"));
    Files.write(optimum.resolve("model.onnx"), TinySentenceModels.model(TinySentenceModels.Variant.PLAIN));
    Files.writeString(optimum.getParent().resolve("tokenizer.json"), TinySentenceModels.tokenizerJson("null"));
    try (SentenceEncoder enc = SentenceEncoder.load(optimum.getParent())) {
      assertEquals(TinySentenceModels.HIDDEN, enc.embed("red").length);
    }
    UncheckedIOException noResource = assertThrows(UncheckedIOException.class, () -> SentenceEncoder.fromClasspath(
        getClass().getClassLoader(), "no/such/model.onnx", "no/such/tokenizer.json", SentenceEncoderConfig.defaults()));
    assertTrue(noResource.getMessage().contains("no/such/tokenizer.json not found"), noResource.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SentenceEncoderConfig.builder().batchSize(0).build());
    assertThrows(IllegalArgumentException.class, () -> SentenceEncoderConfig.builder().maxLength(2).build());
  }

  @Test
  void concurrentCallsAgreeWithASequentialOne() throws Exception {
    Path model = TinySentenceModels.write(dir.resolve("m"), TinySentenceModels.Variant.PLAIN);
    List<String> texts = texts(200, 5);
    try (SentenceEncoder enc = SentenceEncoder.load(model, config(8, true))) {
      float[][] want = enc.embed(texts);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[][]>> futures = new ArrayList<>();
        List<List<Integer>> orders = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          List<Integer> order = new ArrayList<>();
          for (int i = 0; i < texts.size(); i++) {
            order.add(i);
          }
          Collections.shuffle(order, new Random(t));
          orders.add(order);
          List<String> shuffled = order.stream().map(texts::get).toList();
          futures.add(pool.submit(() -> enc.embed(shuffled)));
        }
        for (int t = 0; t < futures.size(); t++) {
          float[][] got = futures.get(t).get(60, TimeUnit.SECONDS);
          for (int j = 0; j < got.length; j++) {
            assertArrayEquals(want[orders.get(t).get(j)], got[j], TOL);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void reportsProgressAfterEveryBatch() {
    Path model = TinySentenceModels.write(dir.resolve("m"), TinySentenceModels.Variant.PLAIN);
    List<EncodingProgress> seen = new ArrayList<>();
    List<String> sameLength = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sameLength.add(TinySentenceModels.VOCAB.get(4 + i % 12) + " apple pear");
    }
    try (SentenceEncoder enc = SentenceEncoder.load(model, config(8, true))) {
      enc.embed(sameLength, seen::add);
      assertTrue(enc.embed(List.of(), seen::add).length == 0);
    }
    assertEquals(4, seen.size());
    assertEquals(List.of(8, 16, 24, 30), seen.stream().map(EncodingProgress::done).toList());
    assertTrue(seen.get(3).finished() && seen.get(3).etaSeconds() == 0 && seen.get(3).total() == 30);
    assertTrue(seen.stream().allMatch(p -> p.textsPerSecond() > 0 && p.elapsedSeconds() > 0));
    assertEquals("59s", SentenceEncoder.duration(59.2));
    assertEquals("2m05s", SentenceEncoder.duration(125));
    assertEquals("1h01m", SentenceEncoder.duration(3660));
  }

  @Test
  void batchesStopWherePaddingWouldExceedAQuarterOfTheTokens() {
    long[][] ids = new long[7][];
    int[] lengths = {3, 3, 3, 4, 10, 10, 30};
    int[] sorted = new int[lengths.length];
    for (int i = 0; i < lengths.length; i++) {
      ids[i] = new long[lengths[i]];
      sorted[i] = i;
    }
    // [3,3,3,4]: 16 padded for 13 real; adding 10 would pad 50 for 23
    assertEquals(4, SentenceEncoder.batchEnd(ids, sorted, 0, 32));
    assertEquals(6, SentenceEncoder.batchEnd(ids, sorted, 4, 32));
    assertEquals(7, SentenceEncoder.batchEnd(ids, sorted, 6, 32));
    assertEquals(2, SentenceEncoder.batchEnd(ids, sorted, 0, 2), "the batch size caps a batch");
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    Path model = TinySentenceModels.write(dir.resolve("m"), TinySentenceModels.Variant.PLAIN);
    SentenceEncoder enc = SentenceEncoder.load(model, config(8, true));
    enc.close();
    enc.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> enc.embed("red"));
    assertTrue(e.getMessage().contains("is closed"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> {
      try (SentenceEncoder other = SentenceEncoder.load(model)) {
        other.embed(java.util.Arrays.asList("red", null));
      }
    });
  }

  @Test
  void itemTableHasZeroPaddingAndZeroRowsForItemsWithoutText() {
    Path model = TinySentenceModels.write(dir.resolve("m"), TinySentenceModels.Variant.PLAIN);
    try (SentenceEncoder enc = SentenceEncoder.load(model, config(2, true))) {
      List<String> texts = java.util.Arrays.asList("red apple", null, "  ", "sweet plum");
      float[][] table = ItemTextEmbeddings.table(enc, texts);
      assertEquals(5, table.length);
      float[] zero = new float[TinySentenceModels.HIDDEN];
      assertArrayEquals(zero, table[0]);
      assertArrayEquals(TinySentenceModels.reference(TinySentenceModels.ids("red apple"), true), table[1], TOL);
      assertArrayEquals(zero, table[2]);
      assertArrayEquals(zero, table[3]);
      assertArrayEquals(TinySentenceModels.reference(TinySentenceModels.ids("sweet plum"), true), table[4], TOL);
      assertEquals(2, ItemTextEmbeddings.missing(texts));
    }
  }
}

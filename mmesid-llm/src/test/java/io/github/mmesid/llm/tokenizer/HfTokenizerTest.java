package io.github.mmesid.llm.tokenizer;

import static io.github.mmesid.llm.tokenizer.TinyTokenizers.BOS;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.END_HEADER;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.EOS;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.EOT;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.START_HEADER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader, encode/decode and error handling on tiny tokenizers written by the test itself. */
class HfTokenizerTest {

  @TempDir Path dir;

  @Test
  void loadsDirectoryAndEncodes() {
    try (HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, false))) {
      assertEquals(TinyTokenizers.VOCAB_SIZE, tok.vocabSize());
      assertArrayEquals(new long[] {1, 2}, tok.encode("hello world", false));
      assertArrayEquals(new long[] {1, 2}, tok.encode("hello world", true), "no post-processor: nothing added");
      assertArrayEquals(new int[] {1, 0, 2}, tok.encodeToInts("hello unknownword world", false));
      assertArrayEquals(new long[] {BOS, 1, EOT, 2}, tok.encode("<|begin_of_text|>hello<|eot_id|> world", false));
      assertEquals(List.of("<|begin_of_text|>", "hello", "world"), tok.tokens("<|begin_of_text|>hello world", false));
      long[][] batch = tok.encodeBatch(List.of("hello", "world hello", ""), false);
      assertArrayEquals(new long[] {1}, batch[0]);
      assertArrayEquals(new long[] {2, 1}, batch[1]);
      assertArrayEquals(new long[0], batch[2]);
      assertEquals(dir.resolve("tokenizer.json"), tok.source());
      assertEquals(Optional.of(dir.resolve("tokenizer_config.json")), tok.configSource());
    }
  }

  @Test
  void postProcessorAddsBosOnlyWhenAsked() {
    try (HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, true))) {
      assertArrayEquals(new long[] {BOS, 1, 2}, tok.encode("hello world", true));
      assertArrayEquals(new long[] {1, 2}, tok.encode("hello world", false));
    }
  }

  @Test
  void decodesAndSkipsSpecialTokens() {
    try (HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, false))) {
      long[] ids = {BOS, 1, 2, EOT};
      assertEquals("<|begin_of_text|> hello world <|eot_id|>", tok.decode(ids));
      assertEquals("hello world", tok.decode(ids, true));
      assertEquals("hello world", tok.decode(new int[] {1, 2}, false));
      assertEquals("hello world", tok.decode(tok.encode("hello   world", false), false));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> tok.decode(new long[] {1, TinyTokenizers.VOCAB_SIZE}));
      assertTrue(e.getMessage().contains("index 1") && e.getMessage().contains("[0, 34)"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> tok.decode(new long[] {-1}));
    }
  }

  @Test
  void specialTokensAndConfig() {
    try (HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, false))) {
      assertEquals(BOS, tok.specialTokenId("<|begin_of_text|>"));
      assertEquals(EOS, tok.specialTokenId("<|end_of_text|>"));
      assertEquals(START_HEADER, tok.specialTokenId("<|start_header_id|>"));
      assertEquals(END_HEADER, tok.specialTokenId("<|end_header_id|>"));
      assertEquals(OptionalInt.of(TinyTokenizers.NOT_SPECIAL), tok.addedTokenId("<extra>"));
      assertEquals(OptionalInt.empty(), tok.addedTokenId("hello"));
      IllegalArgumentException notSpecial =
          assertThrows(IllegalArgumentException.class, () -> tok.specialTokenId("<extra>"));
      assertTrue(notSpecial.getMessage().contains("5 special tokens"), notSpecial.getMessage());
      assertThrows(IllegalArgumentException.class, () -> tok.specialTokenId("<|nope|>"));
      assertTrue(tok.isSpecial(EOT));
      assertFalse(tok.isSpecial(TinyTokenizers.NOT_SPECIAL));
      assertFalse(tok.isSpecial(1));
      assertEquals(6, tok.addedTokens().size());
      assertEquals(Optional.of("<|begin_of_text|>"), tok.bosToken(), "AddedToken object form");
      assertEquals(Optional.of("<|end_of_text|>"), tok.eosToken(), "string form");
      assertEquals(Optional.empty(), tok.padToken(), "null entry");
      assertEquals(Optional.empty(), tok.unkToken(), "absent entry");
      assertEquals(Optional.of("T-default"), tok.chatTemplate(), "the template named default wins");
    }
  }

  @Test
  void loadsFileWithoutConfig() {
    Path file = TinyTokenizers.write(dir.resolve("sub/my-tokenizer.json"), TinyTokenizers.tokenizerJson(false));
    try (HfTokenizer tok = HfTokenizer.load(file)) {
      assertEquals(Optional.empty(), tok.configSource());
      assertEquals(Optional.empty(), tok.bosToken());
      assertArrayEquals(new long[] {2}, tok.encode("world", false));
    }
    try (HfTokenizer tok = HfTokenizer.load(file, null)) {
      assertEquals(TinyTokenizers.VOCAB_SIZE, tok.vocabSize());
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() {
    HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, false));
    tok.close();
    tok.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> tok.encode("hello", false));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> tok.decode(new long[] {1}));
    assertThrows(IllegalStateException.class, () -> tok.encodeBatch(List.of("a"), false));
    assertEquals(TinyTokenizers.VOCAB_SIZE, tok.vocabSize(), "metadata stays readable");
  }

  @Test
  void concurrentEncodingGivesTheSameIds() throws Exception {
    try (HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, false))) {
      String text = "<|begin_of_text|>Given the user's purchase history, predict next possible item<|eot_id|>";
      long[] expected = tok.encode(text, false);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          results.add(pool.submit(() -> {
            boolean same = true;
            for (int k = 0; k < 200; k++) {
              same &= java.util.Arrays.equals(expected, tok.encode(text, false));
            }
            return same;
          }));
        }
        for (Future<Boolean> f : results) {
          assertTrue(f.get());
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void missingPathsAreReportedWithTheirNames() {
    Path nowhere = dir.resolve("nowhere");
    UncheckedIOException a = assertThrows(UncheckedIOException.class, () -> HfTokenizer.load(nowhere));
    assertTrue(a.getMessage().contains(nowhere.toString()) && a.getMessage().contains("no such file"), a.getMessage());
    UncheckedIOException b = assertThrows(UncheckedIOException.class, () -> HfTokenizer.load(dir));
    assertTrue(b.getMessage().contains("has no tokenizer.json"), b.getMessage());
    Path json = TinyTokenizers.write(dir.resolve("t.json"), TinyTokenizers.tokenizerJson(false));
    UncheckedIOException c = assertThrows(UncheckedIOException.class,
        () -> HfTokenizer.load(json, dir.resolve("missing_config.json")));
    assertTrue(c.getMessage().contains("missing_config.json") && c.getMessage().contains("not found"), c.getMessage());
  }

  @Test
  void corruptTokenizerJsonIsRejectedWithFileAndReason() {
    Map<String, String> cases = Map.of(
        "", "is empty",
        "{\"model\": {\"type\": \"WordLevel\",\n \"vocab\": {\"a\": 0,", "not valid JSON at line 2",
        "[1, 2]", "JSON object at the top level",
        "{\"version\": \"1.0\"}", "\"model\" object is missing",
        "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": -3}}}", "out of range",
        "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": \"zero\"}}}", "must be an integer token id",
        "{\"model\": {\"type\": \"WordLevel\", \"vocab\": 7}}", "model.vocab must be",
        "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {}}}", "has no tokens",
        "{\"added_tokens\": [{\"id\": 0}], \"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0}}}",
        "added_tokens[0]",
        "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}", "tokenizers library rejected");
    int i = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path file = TinyTokenizers.write(dir.resolve("bad" + i++ + ".json"), c.getKey());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(file),
          c.getValue());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains(c.getValue()), "expected '" + c.getValue() + "' in: " + e.getMessage());
    }
  }

  @Test
  void oversizedFilesAreRejectedBeforeReading() throws Exception {
    Path big = dir.resolve("tokenizer.json");
    try (RandomAccessFile raf = new RandomAccessFile(big.toFile(), "rw")) {
      raf.setLength(HfTokenizer.MAX_TOKENIZER_JSON_BYTES + 1); // sparse: no disk or heap used
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));
    assertTrue(e.getMessage().contains("larger than the " + HfTokenizer.MAX_TOKENIZER_JSON_BYTES), e.getMessage());

    Path json = TinyTokenizers.write(dir.resolve("ok.json"), TinyTokenizers.tokenizerJson(false));
    Path cfg = dir.resolve("cfg.json");
    try (RandomAccessFile raf = new RandomAccessFile(cfg.toFile(), "rw")) {
      raf.setLength(HfTokenizer.MAX_CONFIG_JSON_BYTES + 1);
    }
    IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(json, cfg));
    assertTrue(f.getMessage().contains("cfg.json") && f.getMessage().contains("tokenizer_config.json"), f.getMessage());
  }

  @Test
  void corruptConfigIsRejectedWithFileAndReason() {
    Path json = TinyTokenizers.write(dir.resolve("t.json"), TinyTokenizers.tokenizerJson(false));
    Map<String, String> cases = Map.of(
        "{\"bos_token\": 5}", "bos_token must be a string",
        "{\"chat_template\": 3}", "chat_template must be a string",
        "{\"chat_template\": [{\"name\": \"x\"}]}", "chat_template[0]",
        "{\"eos_token\": \"a\",,}", "not valid JSON at line 1");
    int i = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path cfg = TinyTokenizers.write(dir.resolve("cfg" + i++ + ".json"), c.getKey());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(json, cfg));
      assertTrue(e.getMessage().contains(cfg.toString()) && e.getMessage().contains(c.getValue()),
          "expected '" + c.getValue() + "' in: " + e.getMessage());
    }
  }
}

package io.github.mmesid.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import io.github.mmesid.llm.SharedData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real Llama 3 tokenizer from the shared data (skipped when the shared data is absent). */
class Llama3TokenizerTest {

  /** METHOD.md's prompt before the item slots. Ids read off tokenizer.json's vocab by hand
   * (the BPE model has ignore_merges=true, so every pre-token that is a vocab entry is one id):
   * Given=22818 Ġthe=279 Ġuser=1217 's=596 Ġpurchase=7782 Ġhistory=3925 ,=11 Ġpredict=7168
   * Ġnext=1828 Ġpossible=3284 Ġitem=1537 Ġto=311 Ġbe=387 Ġpurchased=15075 .=13 user=882 ĊĊ=271. */
  static final long[] MME_SID_PREFIX = {
      128000, 128006, 9125, 128007, 271, 2675, 527, 264, 11190, 15592, 18328, 369, 19075, 128009,
      128006, 882, 128007, 271, 22818, 279, 1217, 596, 7782, 3925, 11, 7168, 1828, 3284, 1537, 311, 387, 15075, 13};

  /** METHOD.md's suffix: eot, start_header, assistant=78191, end_header. */
  static final long[] MME_SID_SUFFIX = {128009, 128006, 78191, 128007};

  private static HfTokenizer tok;

  @BeforeAll
  static void load() {
    tok = HfTokenizer.load(sharedTokenizerDir());
  }

  @AfterAll
  static void close() {
    if (tok != null) {
      tok.close();
    }
  }

  static Path sharedTokenizerDir() {
    Path dir = SharedData.require("llama3-tokenizer");
    Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "no tokenizer.json in " + dir);
    return dir;
  }


  @Test
  void knownEncodingFromTheDataReadme() {
    String header = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        + "You are a helpful AI assistant for recommendations<|eot_id|>";
    assertArrayEquals(new long[] {128000, 128006, 9125, 128007, 271, 2675, 527, 264, 11190, 15592, 18328, 369,
        19075, 128009}, tok.encode(header, false));
  }

  @Test
  void mmeSidPrefixAndSuffix() {
    EncodedPrompt e = MmeSidPrompt.defaults().encode(tok);
    assertArrayEquals(MME_SID_PREFIX, e.prefixIds());
    assertArrayEquals(MME_SID_SUFFIX, e.suffixIds());
    EncodedPrompt official = MmeSidPrompt.defaults().withAssistantHeaderNewlines(true).encode(tok);
    assertArrayEquals(MME_SID_PREFIX, official.prefixIds());
    assertArrayEquals(new long[] {128009, 128006, 78191, 128007, 271}, official.suffixIds());
  }

  @Test
  void officialChatTemplateEndsTheAssistantHeaderWithABlankLine() {
    String template = tok.chatTemplate().orElseThrow();
    assertTrue(template.contains("{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"), template);
    assertTrue(template.contains("message['content'] | trim"), template);
    // The template rendered by hand for [system, user(instruction)] plus the generation prompt equals
    // prefix + <|eot_id|> + the newline variant of the suffix with zero items in between.
    MmeSidPrompt p = MmeSidPrompt.defaults();
    String rendered = "<|begin_of_text|>"
        + "<|start_header_id|>system<|end_header_id|>\n\n" + p.systemPrompt() + "<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\n" + p.instruction() + "<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n";
    long[] expected = LongStream.concat(LongStream.of(MME_SID_PREFIX),
        LongStream.of(128009, 128006, 78191, 128007, 271)).toArray();
    assertArrayEquals(expected, tok.encode(rendered, false));
  }

  @Test
  void customSystemPromptIsKept() {
    EncodedPrompt e = MmeSidPrompt.defaults().withSystemPrompt("You recommend beauty products").encode(tok);
    String decoded = tok.decode(e.prefixIds());
    assertTrue(decoded.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        + "You recommend beauty products<|eot_id|>"), decoded);
  }

  @Test
  void specialTokensVocabAndConfig() {
    assertEquals(128256, tok.vocabSize());
    assertEquals(128000, tok.specialTokenId("<|begin_of_text|>"));
    assertEquals(128001, tok.specialTokenId("<|end_of_text|>"));
    assertEquals(128006, tok.specialTokenId("<|start_header_id|>"));
    assertEquals(128007, tok.specialTokenId("<|end_header_id|>"));
    assertEquals(128009, tok.specialTokenId("<|eot_id|>"));
    assertEquals(256, tok.addedTokens().size());
    assertEquals(Optional.of("<|begin_of_text|>"), tok.bosToken());
    assertEquals(Optional.of("<|end_of_text|>"), tok.eosToken());
    assertEquals(Optional.empty(), tok.padToken());
    // This tokenizer.json's post-processor is ByteLevel only: addSpecialTokens adds no BOS.
    assertArrayEquals(tok.encode("Hello", false), tok.encode("Hello", true));
  }

  @Test
  void roundTripsText() {
    List<String> texts = List.of(
        "Given the user's purchase history, predict next possible item to be purchased.",
        "  leading spaces, trailing space ",
        "Lines\n\nwith\ttabs and numbers 1234567 3.14",
        "Unicode: Café, naïve, 東京, Привет, emoji \uD83D\uDE80\uD83D\uDC84",
        "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
        "");
    for (String s : texts) {
      long[] ids = tok.encode(s, false);
      assertEquals(s, tok.decode(ids, false), "round trip of " + s);
      for (long id : ids) {
        assertTrue(id >= 0 && id < tok.vocabSize());
      }
    }
    long[] prefix = MmeSidPrompt.defaults().encode(tok).prefixIds();
    assertEquals("system\n\nYou are a helpful AI assistant for recommendationsuser\n\n"
        + "Given the user's purchase history, predict next possible item to be purchased.", tok.decode(prefix, true));
  }

  @Test
  void longTextIsNotTruncated() {
    String text = String.join(" ", java.util.Collections.nCopies(3000, "word"));
    assertEquals(3000, tok.encode(text, false).length, "no 512-token truncation");
  }

  @Test
  void paddedBatchOfTheRealPrompt() {
    EncodedPrompt e = MmeSidPrompt.defaults().encode(tok);
    int pad = tok.specialTokenId("<|end_of_text|>");
    PromptBatch b = e.layout(new int[] {5, 2}, pad);
    int p = MME_SID_PREFIX.length;
    int t = p + 5 + 4;
    assertEquals(t, b.sequenceLength());
    long[] ids = b.inputIds();
    long[] mask = b.attentionMask();
    // row 0: no padding; row 1: 3 pad positions.
    assertArrayEquals(MME_SID_PREFIX, java.util.Arrays.copyOfRange(ids, 0, p));
    assertArrayEquals(MME_SID_PREFIX, java.util.Arrays.copyOfRange(ids, t + 3, t + 3 + p));
    assertArrayEquals(new long[] {pad, pad, pad}, java.util.Arrays.copyOfRange(ids, t, t + 3));
    assertArrayEquals(new long[] {0, 0, 0, 1}, java.util.Arrays.copyOfRange(mask, t, t + 4));
    assertArrayEquals(MME_SID_SUFFIX, java.util.Arrays.copyOfRange(ids, t - 4, t));
    assertArrayEquals(MME_SID_SUFFIX, java.util.Arrays.copyOfRange(ids, 2 * t - 4, 2 * t));
    assertEquals(128007, ids[b.lastPosition()]);
    assertEquals(128007, ids[t + b.lastPosition()]);
    assertArrayEquals(new int[] {p, p + 1, p + 2, p + 3, p + 4}, b.itemSlotPositions(0));
    assertArrayEquals(new int[] {3 + p, 3 + p + 1}, b.itemSlotPositions(1));
    assertArrayEquals(new long[] {p, p + 1, p + 2, p + 3, p + 4, t + 3 + p, t + 3 + p + 1}, b.itemSlotFlatIndices());
  }
}

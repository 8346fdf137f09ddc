package io.github.mmesid.llm.tokenizer;

import static io.github.mmesid.llm.tokenizer.TinyTokenizers.BOS;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.END_HEADER;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.EOT;
import static io.github.mmesid.llm.tokenizer.TinyTokenizers.START_HEADER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MME-SID prompt text, its ids on a tiny tokenizer, and the left-padded batch layout. */
class MmeSidPromptTest {

  @TempDir Path dir;

  @Test
  void defaultTextFollowsMethodMd() {
    MmeSidPrompt p = MmeSidPrompt.defaults();
    assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful AI assistant for "
        + "recommendations<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGiven the user's purchase history, "
        + "predict next possible item to be purchased.", p.prefixText());
    assertEquals("<|eot_id|><|start_header_id|>assistant<|end_header_id|>", p.suffixText());
    assertEquals("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        p.withAssistantHeaderNewlines(true).suffixText());
    assertFalse(p.assistantHeaderNewlines());
  }

  @Test
  void systemPromptIsConfigurableAndNeverDropped() {
    MmeSidPrompt p = MmeSidPrompt.defaults().withSystemPrompt("  You recommend films.\n").withInstruction("  Next:");
    assertEquals("You recommend films.", p.systemPrompt(), "trimmed like the chat template's | trim");
    assertEquals("Next:", p.instruction());
    assertTrue(p.prefixText().contains("system<|end_header_id|>\n\nYou recommend films.<|eot_id|>"), p.prefixText());
    assertTrue(p.prefixText().endsWith("user<|end_header_id|>\n\nNext:"), p.prefixText());
    assertThrows(IllegalArgumentException.class, () -> MmeSidPrompt.defaults().withSystemPrompt(" \n "));
    assertThrows(IllegalArgumentException.class, () -> MmeSidPrompt.defaults().withInstruction(""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MmeSidPrompt.defaults().withSystemPrompt("hi<|eot_id|>"));
    assertTrue(e.getMessage().contains("<|eot_id|>"), e.getMessage());
    assertEquals(MmeSidPrompt.defaults(), MmeSidPrompt.defaults().withSystemPrompt(MmeSidPrompt.DEFAULT_SYSTEM_PROMPT));
  }

  @Test
  void encodesOnATinyTokenizer() {
    try (HfTokenizer tok = HfTokenizer.load(TinyTokenizers.writeDir(dir, true))) {
      EncodedPrompt e = MmeSidPrompt.defaults().encode(tok);
      // WordLevel + Whitespace pre-tokenizer: "\n\n" disappears, "user's" -> user ' s; ids from TinyTokenizers.WORDS.
      long[] prefix = {BOS, START_HEADER, 3, END_HEADER, 6, 7, 8, 9, 10, 5, 11, 12, EOT,
          START_HEADER, 4, END_HEADER, 13, 14, 4, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27};
      assertArrayEquals(prefix, e.prefixIds(), "a single BOS even though the post-processor would add one");
      assertArrayEquals(new long[] {EOT, START_HEADER, 5, END_HEADER}, e.suffixIds());
      assertEquals(prefix.length, e.prefixLength());
      assertEquals(4, e.suffixLength());
    }
  }

  @Test
  void rejectsTokenizersWithoutLlama3ChatTokens() {
    String json = TinyTokenizers.tokenizerJson(false).replace("<|eot_id|>", "<|im_end|>");
    Path file = TinyTokenizers.write(dir.resolve("tokenizer.json"), json);
    try (HfTokenizer tok = HfTokenizer.load(file)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MmeSidPrompt.defaults().encode(tok));
      assertTrue(e.getMessage().contains("[<|eot_id|>]") && e.getMessage().contains(file.toString()), e.getMessage());
    }
  }

  @Test
  void leftPaddedLayout() {
    EncodedPrompt prompt = EncodedPrompt.of(new long[] {10, 11, 12}, new long[] {20, 21});
    PromptBatch b = prompt.layout(new int[] {2, 0, 4}, 99);
    assertEquals(3, b.batchSize());
    assertEquals(9, b.sequenceLength(), "3 + max(items) 4 + 2");
    assertEquals(8, b.lastPosition());
    long x = 99; // pad id, also at item slots
    assertArrayEquals(new long[] {
        x, x, 10, 11, 12, x, x, 20, 21,
        x, x, x, x, 10, 11, 12, 20, 21,
        10, 11, 12, x, x, x, x, 20, 21}, b.inputIds());
    assertArrayEquals(new long[] {
        0, 0, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 0, 0, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1}, b.attentionMask());
    assertArrayEquals(new long[] {
        0, 0, 0, 0, 0, 1, 1, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 1, 1, 1, 1, 0, 0}, b.itemSlotMask());
    assertArrayEquals(new long[] {5, 6, 18 + 3, 18 + 4, 18 + 5, 18 + 6}, b.itemSlotFlatIndices());
    assertEquals(6, b.totalItems());
    assertEquals(2, b.paddingLength(0));
    assertEquals(4, b.paddingLength(1));
    assertEquals(0, b.paddingLength(2));
    assertEquals(5, b.itemSlotStart(0));
    assertArrayEquals(new int[] {3, 4, 5, 6}, b.itemSlotPositions(2));
    assertArrayEquals(new int[0], b.itemSlotPositions(1));
    assertEquals(4, b.itemCount(2));
    assertThrows(IllegalArgumentException.class, () -> b.itemCount(3));
    // accessors hand out copies
    b.inputIds()[0] = -5;
    assertEquals(99, b.inputIds()[0]);
  }

  @Test
  void equalLengthsNeedNoPadding() {
    PromptBatch b = EncodedPrompt.of(new long[] {1}, new long[] {2}).layout(new int[] {3, 3}, 0);
    assertEquals(5, b.sequenceLength());
    for (long m : b.attentionMask()) {
      assertEquals(1, m);
    }
    assertArrayEquals(new long[] {1, 2, 3, 6, 7, 8}, b.itemSlotFlatIndices());
  }

  @Test
  void layoutRejectsBadArguments() {
    EncodedPrompt prompt = EncodedPrompt.of(new long[] {1}, new long[] {2});
    assertThrows(IllegalArgumentException.class, () -> prompt.layout(new int[0], 0));
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> prompt.layout(new int[] {1, -2}, 0));
    assertTrue(neg.getMessage().contains("itemCounts[1]"), neg.getMessage());
    assertThrows(IllegalArgumentException.class, () -> prompt.layout(new int[] {1}, -1));
    assertThrows(IllegalArgumentException.class,
        () -> prompt.layout(new int[] {Integer.MAX_VALUE - 4, 1}, 0), "too many cells");
    assertThrows(IllegalArgumentException.class,
        () -> EncodedPrompt.of(new long[0], new long[0]).layout(new int[] {0}, 0));
    assertThrows(IllegalArgumentException.class, () -> EncodedPrompt.of(new long[] {-1}, new long[0]));
  }
}

package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mmesid.llm.SharedData;
import io.github.mmesid.llm.tokenizer.EncodedPrompt;
import io.github.mmesid.llm.tokenizer.HfTokenizer;
import org.junit.jupiter.api.Test;

/** The built-in prompt ids are what the real Llama 3 tokenizer produces. */
class PromptPresetTest {

  @Test
  void builtInIdsEqualTheRealLlama3Tokenizer() {
    try (HfTokenizer tok = HfTokenizer.load(SharedData.require("llama3-tokenizer"))) {
      for (PromptPreset p : PromptPreset.values()) {
        EncodedPrompt real = p.encode(tok);
        assertArrayEquals(real.prefixIds(), p.ids().prefixIds(), p + " prefix");
        assertArrayEquals(real.suffixIds(), p.ids().suffixIds(), p + " suffix");
      }
      // what the reference implementation actually feeds: 17 tokens, no system block
      assertEquals(17, PromptPreset.REFERENCE.ids().prefixIds().length);
      assertEquals(33, PromptPreset.METHOD.ids().prefixIds().length);
      assertArrayEquals(new long[] {128009, 128006, 78191, 128007}, PromptPreset.REFERENCE.ids().suffixIds());
    }
  }
}

package io.github.mmesid.llm.mmesid;

import io.github.mmesid.llm.tokenizer.EncodedPrompt;
import io.github.mmesid.llm.tokenizer.HfTokenizer;
import io.github.mmesid.llm.tokenizer.MmeSidPrompt;

/**
 * The prompt around the item slots, with its Llama 3 token ids built in so that a backbone
 * trained from scratch needs no tokenizer file (the ids are checked against the real Llama 3
 * tokenizer by the tests).
 */
public enum PromptPreset {
  /**
   * METHOD.md's prompt ({@link MmeSidPrompt#defaults()}): the Llama 3 chat template with the
   * system message "You are a helpful AI assistant for recommendations" and the instruction,
   * 33 tokens before the items and 4 after them.
   */
  METHOD(new long[] {128000, 128006, 9125, 128007, 271, 2675, 527, 264, 11190, 15592, 18328, 369,
      19075, 128009, 128006, 882, 128007, 271, 22818, 279, 1217, 596, 7782, 3925, 11, 7168, 1828,
      3284, 1537, 311, 387, 15075, 13},
      new long[] {128009, 128006, 78191, 128007}),
  /**
   * What the reference implementation actually feeds (its prompter overwrites the template):
   * {@link #REFERENCE_PREFIX_TEXT} (17 tokens, no system block, no user header) before the
   * items and {@link #SUFFIX_TEXT} after them.
   */
  REFERENCE(new long[] {128000, 90, 16644, 279, 1217, 596, 7782, 3925, 11, 7168, 1828, 3284, 1537,
      311, 387, 15075, 13},
      new long[] {128009, 128006, 78191, 128007});

  /** The reference implementation's text before the items (special tokens spelled out). */
  public static final String REFERENCE_PREFIX_TEXT =
      "<|begin_of_text|>{ Given the user's purchase history, predict next possible item to be purchased.";
  /** The text after the items in both presets. */
  public static final String SUFFIX_TEXT = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>";

  private final long[] prefix;
  private final long[] suffix;

  PromptPreset(long[] prefix, long[] suffix) {
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /**
   * The built-in Llama 3 token ids.
   *
   * @return prefix and suffix ids
   */
  public EncodedPrompt ids() {
    return EncodedPrompt.of(prefix.clone(), suffix.clone());
  }

  /**
   * Tokenizes the preset's text with a tokenizer (for a checkpoint whose tokenizer differs from
   * Llama 3's).
   *
   * @param tokenizer the tokenizer
   * @return prefix and suffix ids
   * @throws IllegalArgumentException if the tokenizer lacks the Llama 3 chat tokens
   */
  public EncodedPrompt encode(HfTokenizer tokenizer) {
    if (this == METHOD) {
      return MmeSidPrompt.defaults().encode(tokenizer);
    }
    MmeSidPrompt.defaults().encode(tokenizer); // checks the special tokens
    return EncodedPrompt.of(tokenizer.encode(REFERENCE_PREFIX_TEXT, false),
        tokenizer.encode(SUFFIX_TEXT, false));
  }
}

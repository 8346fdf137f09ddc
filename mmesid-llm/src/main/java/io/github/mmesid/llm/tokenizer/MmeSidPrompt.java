package io.github.mmesid.llm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The MME-SID prompt (METHOD.md §3) in the Llama-3 chat format, split around the item slots:
 *
 * <pre>
 * prefix: &lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;system&lt;|end_header_id|&gt;\n\n{system prompt}&lt;|eot_id|&gt;
 *         &lt;|start_header_id|&gt;user&lt;|end_header_id|&gt;\n\n{instruction}
 * slots:  one input embedding per history item (filled by the recommender)
 * suffix: &lt;|eot_id|&gt;&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;
 * </pre>
 *
 * <p>The system prompt is configurable and always present (the reference implementation drops
 * it, a known defect this SDK does not copy). Defaults are METHOD.md's texts,
 * {@value #DEFAULT_SYSTEM_PROMPT} and {@value #DEFAULT_INSTRUCTION}.
 *
 * <p><b>Assistant header.</b> The official Llama-3 Instruct chat template ends the generation
 * prompt with {@code <|start_header_id|>assistant<|end_header_id|>\n\n} (a blank line, token
 * 271). METHOD.md's prompt, which this class follows by default, ends at
 * {@code <|end_header_id|>} without it; {@link #withAssistantHeaderNewlines(boolean)} adds the
 * {@code \n\n} to match the official template exactly.
 *
 * <p><b>Whitespace.</b> As the official template does ({@code message['content'] | trim}), the
 * system prompt is stripped of leading and trailing whitespace; the instruction is stripped of
 * leading whitespace only, because the user message continues with the item slots after it.
 *
 * <p>Instances are immutable; the {@code with...} methods return modified copies.
 */
public final class MmeSidPrompt {

  /** METHOD.md's system prompt. */
  public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful AI assistant for recommendations";

  /** METHOD.md's instruction, the start of the user message, followed by the item slots. */
  public static final String DEFAULT_INSTRUCTION =
      "Given the user's purchase history, predict next possible item to be purchased.";

  /** Llama-3 special token that starts a text. */
  public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";

  /** Llama-3 special token that opens a message header. */
  public static final String START_HEADER = "<|start_header_id|>";

  /** Llama-3 special token that closes a message header. */
  public static final String END_HEADER = "<|end_header_id|>";

  /** Llama-3 special token that ends a message. */
  public static final String END_OF_TURN = "<|eot_id|>";

  private static final List<String> REQUIRED_SPECIAL_TOKENS =
      List.of(BEGIN_OF_TEXT, START_HEADER, END_HEADER, END_OF_TURN);

  private final String systemPrompt;
  private final String instruction;
  private final boolean assistantHeaderNewlines;

  private MmeSidPrompt(String systemPrompt, String instruction, boolean assistantHeaderNewlines) {
    this.systemPrompt = systemPrompt;
    this.instruction = instruction;
    this.assistantHeaderNewlines = assistantHeaderNewlines;
  }

  /**
   * Returns METHOD.md's prompt: default system prompt and instruction, no {@code \n\n} after the
   * assistant header.
   *
   * @return the default prompt
   */
  public static MmeSidPrompt defaults() {
    return new MmeSidPrompt(DEFAULT_SYSTEM_PROMPT, DEFAULT_INSTRUCTION, false);
  }

  /**
   * Returns a copy with another system prompt.
   *
   * @param systemPrompt the system message; stripped of surrounding whitespace, must not be blank
   *     or contain Llama-3 header/turn special tokens
   * @return the modified prompt
   * @throws IllegalArgumentException if the system prompt is blank or contains a control token
   */
  public MmeSidPrompt withSystemPrompt(String systemPrompt) {
    Objects.requireNonNull(systemPrompt, "systemPrompt");
    String s = systemPrompt.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("the system prompt must not be blank; MME-SID always sends a system "
          + "message (default: \"" + DEFAULT_SYSTEM_PROMPT + "\")");
    }
    checkNoControlTokens(s, "system prompt");
    return new MmeSidPrompt(s, instruction, assistantHeaderNewlines);
  }

  /**
   * Returns a copy with another instruction (the user-message text before the item slots).
   *
   * @param instruction the instruction; stripped of leading whitespace, must not be blank or
   *     contain Llama-3 header/turn special tokens
   * @return the modified prompt
   * @throws IllegalArgumentException if the instruction is blank or contains a control token
   */
  public MmeSidPrompt withInstruction(String instruction) {
    Objects.requireNonNull(instruction, "instruction");
    String s = instruction.stripLeading();
    if (s.isBlank()) {
      throw new IllegalArgumentException("the instruction must not be blank (default: \"" + DEFAULT_INSTRUCTION
          + "\")");
    }
    checkNoControlTokens(s, "instruction");
    return new MmeSidPrompt(systemPrompt, s, assistantHeaderNewlines);
  }

  /**
   * Returns a copy that does or does not end the suffix with {@code \n\n} after the assistant
   * header ({@code true} matches the official Llama-3 chat template, {@code false} METHOD.md).
   *
   * @param newlines whether to append {@code \n\n}
   * @return the modified prompt
   */
  public MmeSidPrompt withAssistantHeaderNewlines(boolean newlines) {
    return new MmeSidPrompt(systemPrompt, instruction, newlines);
  }

  /**
   * Returns the system prompt.
   *
   * @return the system message text
   */
  public String systemPrompt() {
    return systemPrompt;
  }

  /**
   * Returns the instruction.
   *
   * @return the user-message text before the item slots
   */
  public String instruction() {
    return instruction;
  }

  /**
   * Returns whether the suffix ends with {@code \n\n} after the assistant header.
   *
   * @return true if it does
   */
  public boolean assistantHeaderNewlines() {
    return assistantHeaderNewlines;
  }

  /**
   * Returns the text before the item slots, special tokens spelled out.
   *
   * @return the prefix text
   */
  public String prefixText() {
    return BEGIN_OF_TEXT + START_HEADER + "system" + END_HEADER + "\n\n" + systemPrompt + END_OF_TURN
        + START_HEADER + "user" + END_HEADER + "\n\n" + instruction;
  }

  /**
   * Returns the text after the item slots, special tokens spelled out.
   *
   * @return the suffix text
   */
  public String suffixText() {
    return END_OF_TURN + START_HEADER + "assistant" + END_HEADER + (assistantHeaderNewlines ? "\n\n" : "");
  }

  /**
   * Tokenizes the prefix and suffix. Special tokens are written in the text, so the tokenizer's
   * post-processor is not applied (no second BOS).
   *
   * @param tokenizer a Llama-3 tokenizer (it must have the special tokens {@code <|begin_of_text|>},
   *     {@code <|start_header_id|>}, {@code <|end_header_id|>}, {@code <|eot_id|>})
   * @return the prefix and suffix ids
   * @throws IllegalArgumentException if the tokenizer lacks a Llama-3 special token
   */
  public EncodedPrompt encode(HfTokenizer tokenizer) {
    Objects.requireNonNull(tokenizer, "tokenizer");
    List<String> missing = new ArrayList<>();
    for (String t : REQUIRED_SPECIAL_TOKENS) {
      if (tokenizer.addedTokenId(t).isEmpty()) {
        missing.add(t);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(tokenizer.source() + " lacks the Llama-3 chat tokens " + missing
          + "; the MME-SID prompt needs a Llama-3 tokenizer with " + REQUIRED_SPECIAL_TOKENS);
    }
    long[] prefix = tokenizer.encode(prefixText(), false);
    long[] suffix = tokenizer.encode(suffixText(), false);
    return EncodedPrompt.of(prefix, suffix);
  }

  private static void checkNoControlTokens(String text, String what) {
    for (String t : REQUIRED_SPECIAL_TOKENS) {
      if (text.contains(t)) {
        throw new IllegalArgumentException("the " + what + " contains the chat control token " + t
            + "; it must be plain text (the chat structure is added by " + MmeSidPrompt.class.getSimpleName() + ")");
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MmeSidPrompt p && p.systemPrompt.equals(systemPrompt) && p.instruction.equals(instruction)
        && p.assistantHeaderNewlines == assistantHeaderNewlines;
  }

  @Override
  public int hashCode() {
    return Objects.hash(systemPrompt, instruction, assistantHeaderNewlines);
  }

  @Override
  public String toString() {
    return "MmeSidPrompt[" + prefixText() + " <items> " + suffixText() + "]";
  }
}

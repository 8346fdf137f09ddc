package io.github.mmesid.llm.tokenizer;

import java.util.Arrays;
import java.util.Objects;

/**
 * A prompt as token ids around the item slots: {@code [prefix ids][item slots][suffix ids]}.
 * Independent of any tokenizer or backbone once built; immutable (accessors return copies).
 */
public final class EncodedPrompt {

  private final long[] prefix;
  private final long[] suffix;

  private EncodedPrompt(long[] prefix, long[] suffix) {
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /**
   * Creates an encoded prompt from explicit ids.
   *
   * @param prefixIds the ids before the item slots (non-negative)
   * @param suffixIds the ids after the item slots (non-negative)
   * @return the prompt (the arrays are copied)
   * @throws IllegalArgumentException if an id is negative
   */
  public static EncodedPrompt of(long[] prefixIds, long[] suffixIds) {
    Objects.requireNonNull(prefixIds, "prefixIds");
    Objects.requireNonNull(suffixIds, "suffixIds");
    check(prefixIds, "prefix");
    check(suffixIds, "suffix");
    return new EncodedPrompt(prefixIds.clone(), suffixIds.clone());
  }

  private static void check(long[] ids, String what) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0) {
        throw new IllegalArgumentException(what + " token id at index " + i + " is " + ids[i]
            + "; token ids must be non-negative");
      }
    }
  }

  /**
   * Returns the ids before the item slots.
   *
   * @return a copy of the prefix ids
   */
  public long[] prefixIds() {
    return prefix.clone();
  }

  /**
   * Returns the ids after the item slots.
   *
   * @return a copy of the suffix ids
   */
  public long[] suffixIds() {
    return suffix.clone();
  }

  /**
   * Returns the number of prefix tokens.
   *
   * @return the prefix length
   */
  public int prefixLength() {
    return prefix.length;
  }

  /**
   * Returns the number of suffix tokens.
   *
   * @return the suffix length
   */
  public int suffixLength() {
    return suffix.length;
  }

  /**
   * Lays out a left-padded batch of this prompt, one row per user, see
   * {@link PromptBatch#leftPadded(EncodedPrompt, int[], long)}.
   *
   * @param itemCounts the number of item slots of each row (each at least 0)
   * @param padTokenId the id written at padding positions and item slots
   * @return the batch layout
   * @throws IllegalArgumentException if the counts are empty or negative, the pad id is negative,
   *     or the batch is too large
   */
  public PromptBatch layout(int[] itemCounts, long padTokenId) {
    return PromptBatch.leftPadded(this, itemCounts, padTokenId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedPrompt p && Arrays.equals(p.prefix, prefix) && Arrays.equals(p.suffix, suffix);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(prefix) + Arrays.hashCode(suffix);
  }

  @Override
  public String toString() {
    return "EncodedPrompt[prefix=" + Arrays.toString(prefix) + ", suffix=" + Arrays.toString(suffix) + "]";
  }
}

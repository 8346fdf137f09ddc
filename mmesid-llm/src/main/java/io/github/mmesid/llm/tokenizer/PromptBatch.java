package io.github.mmesid.llm.tokenizer;

import java.util.Arrays;
import java.util.Objects;

/**
 * A left-padded batch of prompts with item slots, as flat row-major {@code [B, T]} arrays ready
 * for a decoder that takes {@code inputs_embeds} and an {@code attention_mask}.
 *
 * <p>Row {@code b} with {@code n_b} items is
 * {@code [pad × p_b][prefix ids][n_b item slots][suffix ids]}, where
 * {@code T = max_b(P + n_b + S)} and {@code p_b = T - (P + n_b + S)}. Every row therefore ends
 * at position {@code T - 1} (the last suffix token, whose final hidden state represents the
 * user). The recommender embeds {@link #inputIds()} with the token embedding table and replaces
 * the rows at the item slots ({@link #itemSlotMask()} or {@link #itemSlotFlatIndices()}) by the
 * item embeddings, in item order.
 *
 * <p>Padding positions and item slots hold the pad token id in {@link #inputIds()} (any valid id
 * works there: padding is masked out and item slots are overwritten). Immutable; the array
 * accessors return copies.
 */
public final class PromptBatch {

  /** Largest number of cells {@code B × T} a batch may have. */
  public static final int MAX_CELLS = Integer.MAX_VALUE - 8;

  private final int batchSize;
  private final int sequenceLength;
  private final int prefixLength;
  private final int suffixLength;
  private final int[] itemCounts;
  private final int[] paddingLengths;
  private final long[] inputIds;
  private final long[] attentionMask;
  private final long[] itemSlotMask;
  private final long[] itemSlotFlat;

  private PromptBatch(int batchSize, int sequenceLength, int prefixLength, int suffixLength, int[] itemCounts,
      int[] paddingLengths, long[] inputIds, long[] attentionMask, long[] itemSlotMask, long[] itemSlotFlat) {
    this.batchSize = batchSize;
    this.sequenceLength = sequenceLength;
    this.prefixLength = prefixLength;
    this.suffixLength = suffixLength;
    this.itemCounts = itemCounts;
    this.paddingLengths = paddingLengths;
    this.inputIds = inputIds;
    this.attentionMask = attentionMask;
    this.itemSlotMask = itemSlotMask;
    this.itemSlotFlat = itemSlotFlat;
  }

  /**
   * Lays out a left-padded batch.
   *
   * @param prompt the prefix and suffix ids
   * @param itemCounts the number of item slots of each row; at least one row, each count at least 0
   * @param padTokenId the id written at padding positions and item slots (non-negative; Llama 3
   *     has no pad token, {@code <|end_of_text|>} = 128001 is a common choice)
   * @return the layout
   * @throws IllegalArgumentException if there are no rows, a count is negative, the pad id is
   *     negative, or {@code B × T} exceeds {@link #MAX_CELLS}
   */
  public static PromptBatch leftPadded(EncodedPrompt prompt, int[] itemCounts, long padTokenId) {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(itemCounts, "itemCounts");
    if (itemCounts.length == 0) {
      throw new IllegalArgumentException("itemCounts is empty; a batch needs at least one row");
    }
    if (padTokenId < 0) {
      throw new IllegalArgumentException("padTokenId is " + padTokenId + "; it must be a valid (non-negative) token id");
    }
    int p = prompt.prefixLength();
    int s = prompt.suffixLength();
    long maxLen = 0;
    long totalItems = 0;
    for (int b = 0; b < itemCounts.length; b++) {
      if (itemCounts[b] < 0) {
        throw new IllegalArgumentException("itemCounts[" + b + "] is " + itemCounts[b] + "; counts must be >= 0");
      }
      maxLen = Math.max(maxLen, (long) p + itemCounts[b] + s);
      totalItems += itemCounts[b];
    }
    int batch = itemCounts.length;
    if (maxLen == 0) {
      throw new IllegalArgumentException("every row is empty (no prefix, suffix or items); at least one position is "
          + "required");
    }
    if (maxLen * batch > MAX_CELLS) {
      throw new IllegalArgumentException("batch of " + batch + " rows x " + maxLen + " positions has "
          + maxLen * batch + " cells; at most " + MAX_CELLS + " are supported");
    }
    int t = (int) maxLen;
    long[] prefix = prompt.prefixIds();
    long[] suffix = prompt.suffixIds();
    long[] ids = new long[batch * t];
    long[] mask = new long[batch * t];
    long[] slots = new long[batch * t];
    long[] flat = new long[(int) totalItems];
    int[] pads = new int[batch];
    int k = 0;
    for (int b = 0; b < batch; b++) {
      int row = b * t;
      int n = itemCounts[b];
      int pad = t - (p + n + s);
      pads[b] = pad;
      Arrays.fill(ids, row, row + t, padTokenId);
      Arrays.fill(mask, row + pad, row + t, 1L);
      System.arraycopy(prefix, 0, ids, row + pad, p);
      int slot0 = row + pad + p;
      for (int j = 0; j < n; j++) {
        slots[slot0 + j] = 1L;
        flat[k++] = slot0 + j;
      }
      System.arraycopy(suffix, 0, ids, slot0 + n, s);
    }
    return new PromptBatch(batch, t, p, s, itemCounts.clone(), pads, ids, mask, slots, flat);
  }

  /**
   * Returns the number of rows B.
   *
   * @return the batch size
   */
  public int batchSize() {
    return batchSize;
  }

  /**
   * Returns the padded sequence length T.
   *
   * @return the number of positions per row
   */
  public int sequenceLength() {
    return sequenceLength;
  }

  /**
   * Returns the number of prefix tokens P.
   *
   * @return the prefix length
   */
  public int prefixLength() {
    return prefixLength;
  }

  /**
   * Returns the number of suffix tokens S.
   *
   * @return the suffix length
   */
  public int suffixLength() {
    return suffixLength;
  }

  /**
   * Returns the number of item slots of a row.
   *
   * @param row the row, in [0, B)
   * @return n_b
   */
  public int itemCount(int row) {
    return itemCounts[checkRow(row)];
  }

  /**
   * Returns the total number of item slots, the first dimension of the item embeddings that
   * {@link #itemSlotFlatIndices()} scatters.
   *
   * @return the sum of the item counts
   */
  public int totalItems() {
    return itemSlotFlat.length;
  }

  /**
   * Returns the number of left-padding positions of a row.
   *
   * @param row the row, in [0, B)
   * @return p_b
   */
  public int paddingLength(int row) {
    return paddingLengths[checkRow(row)];
  }

  /**
   * Returns the position (within the row) of a row's first item slot; its slots are contiguous.
   *
   * @param row the row, in [0, B)
   * @return p_b + P
   */
  public int itemSlotStart(int row) {
    return paddingLengths[checkRow(row)] + prefixLength;
  }

  /**
   * Returns the positions (within the row) of a row's item slots, in item order.
   *
   * @param row the row, in [0, B)
   * @return n_b positions
   */
  public int[] itemSlotPositions(int row) {
    int start = itemSlotStart(row);
    int[] out = new int[itemCounts[row]];
    for (int j = 0; j < out.length; j++) {
      out[j] = start + j;
    }
    return out;
  }

  /**
   * Returns the position holding the last token of every row, {@code T - 1}.
   *
   * @return the last position
   */
  public int lastPosition() {
    return sequenceLength - 1;
  }

  /**
   * Returns the token ids, {@code [B, T]} row-major; padding and item slots hold the pad id.
   *
   * @return a copy of B × T ids
   */
  public long[] inputIds() {
    return inputIds.clone();
  }

  /**
   * Returns the attention mask, {@code [B, T]} row-major: 0 at left padding, 1 elsewhere
   * (prompt tokens and item slots).
   *
   * @return a copy of B × T values
   */
  public long[] attentionMask() {
    return attentionMask.clone();
  }

  /**
   * Returns the item-slot mask, {@code [B, T]} row-major: 1 where an item embedding goes.
   *
   * @return a copy of B × T values
   */
  public long[] itemSlotMask() {
    return itemSlotMask.clone();
  }

  /**
   * Returns the flat indices {@code b × T + t} of all item slots, row by row and in item order:
   * entry k receives the k-th row of the concatenated item embeddings {@code [totalItems, H]}
   * when scattering into {@code inputs_embeds} viewed as {@code [B × T, H]}.
   *
   * @return a copy of {@link #totalItems()} indices
   */
  public long[] itemSlotFlatIndices() {
    return itemSlotFlat.clone();
  }

  private int checkRow(int row) {
    if (row < 0 || row >= batchSize) {
      throw new IllegalArgumentException("row " + row + " is out of range; rows are 0.." + (batchSize - 1));
    }
    return row;
  }

  @Override
  public String toString() {
    return "PromptBatch[B=" + batchSize + ", T=" + sequenceLength + ", prefix=" + prefixLength + ", suffix="
        + suffixLength + ", items=" + totalItems() + "]";
  }
}

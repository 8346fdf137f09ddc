package io.github.mmesid.llm.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds an item table of text embeddings in the layout every SDK item table uses: row = internal
 * item id, row 0 = padding (zeros). The result is ready for {@code ItemCatalog.builder(n).add("text",
 * table)} or {@code Npy.writeFloatMatrix}.
 */
public final class ItemTextEmbeddings {

  private ItemTextEmbeddings() {}

  /**
   * Embeds every item's text.
   *
   * @param encoder the sentence encoder
   * @param texts the text of item {@code i + 1} at index {@code i}; {@code null} or blank for an
   *     item without text, whose row stays zero
   * @return {@code [texts.size() + 1][encoder.dimension()]}: row 0 and the rows of items without
   *     text are zeros
   * @see #table(SentenceEncoder, List, EncodingListener)
   */
  public static float[][] table(SentenceEncoder encoder, List<String> texts) {
    return table(encoder, texts, EncodingListener.NONE);
  }

  /**
   * Embeds every item's text, reporting progress.
   *
   * @param encoder the sentence encoder
   * @param texts the text of item {@code i + 1} at index {@code i}; {@code null} or blank for an
   *     item without text, whose row stays zero
   * @param listener receives the encoder's progress (over the items that have text)
   * @return {@code [texts.size() + 1][encoder.dimension()]}
   */
  public static float[][] table(SentenceEncoder encoder, List<String> texts, EncodingListener listener) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(texts, "texts");
    Objects.requireNonNull(listener, "listener");
    List<String> present = new ArrayList<>(texts.size());
    int[] row = new int[texts.size()];
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t != null && !t.isBlank()) {
        row[present.size()] = i + 1;
        present.add(t);
      }
    }
    float[][] out = new float[texts.size() + 1][];
    float[][] emb = encoder.embed(present, listener);
    for (int j = 0; j < emb.length; j++) {
      out[row[j]] = emb[j];
    }
    for (int i = 0; i < out.length; i++) {
      if (out[i] == null) {
        out[i] = new float[encoder.dimension()];
      }
    }
    return out;
  }

  /**
   * Counts the items without text (null or blank), as {@link #table} leaves them zero.
   *
   * @param texts the text of item {@code i + 1} at index {@code i}
   * @return how many are null or blank
   */
  public static int missing(List<String> texts) {
    int n = 0;
    for (String t : texts) {
      if (t == null || t.isBlank()) {
        n++;
      }
    }
    return n;
  }
}

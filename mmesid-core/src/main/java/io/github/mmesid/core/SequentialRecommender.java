package io.github.mmesid.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A next-item recommender: given a user's chronological item history, it scores every catalog
 * item for the next interaction.
 *
 * <p>Item ids are 1..{@link #numItems()}; 0 is padding. A history may contain padding zeros
 * (they are ignored) but no id outside 0..N.
 *
 * <p><b>Thread safety:</b> implementations must be safe for concurrent use by several threads
 * once constructed (the evaluator calls {@link #scores(int[])} from a thread pool); training, if
 * any, happens before a recommender object is handed out.
 *
 * <p><b>Resources:</b> a recommender is {@link AutoCloseable}. Models backed by native ONNX
 * Runtime sessions release them in {@link #close()}; the default does nothing. {@code close} is
 * idempotent, and a closed model fails with {@link IllegalStateException} when used. Use
 * try-with-resources or close models that a trainer or loader returned.
 */
public interface SequentialRecommender extends AutoCloseable {

  /** The number of items {@link #topK(int[])} returns unless fewer candidates exist: {@value}. */
  int DEFAULT_K = 10;

  /**
   * Returns the number of items N this recommender ranks (ids 1..N).
   *
   * @return N, at least 1
   */
  int numItems();

  /**
   * Scores every item for the next interaction after {@code history}.
   *
   * @param history the user's items, oldest first; may be empty; 0 entries are padding
   * @return a new array of length {@code numItems() + 1} indexed by item id; index 0 is ignored.
   *     Higher is better. The history's own items are scored too; ranking helpers exclude them.
   * @throws IllegalArgumentException if the history holds an id outside 0..N
   */
  float[] scores(int[] history);

  /**
   * Scores a batch of histories. The default calls {@link #scores(int[])} per history;
   * implementations that batch (e.g. neural models) override it.
   *
   * @param histories the histories, each as in {@link #scores(int[])}
   * @return one score array per history, in order
   * @throws IllegalArgumentException if a history holds an id outside 0..N
   */
  default float[][] scores(List<int[]> histories) {
    float[][] out = new float[histories.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = scores(histories.get(i));
    }
    return out;
  }

  /**
   * Returns the {@value #DEFAULT_K} best items for the next interaction, best first (fewer only
   * when the catalog minus the history has fewer items). The history's items and the padding id
   * 0 are never returned.
   *
   * @param history the user's items, oldest first; may be empty; 0 entries are padding
   * @return an unmodifiable list of {@code min(DEFAULT_K, candidates)} items
   * @throws IllegalArgumentException if the history holds an id outside 0..N or leaves no
   *     candidate
   */
  default List<ScoredItem> topK(int[] history) {
    validateHistory(history, numItems());
    return topK(history, Math.min(DEFAULT_K, candidates(history, numItems())));
  }

  /**
   * Batch form of {@link #topK(int[])}: {@value #DEFAULT_K} items per history (fewer where fewer
   * candidates exist).
   *
   * @param histories the histories
   * @return one result list per history, in order
   * @throws IllegalArgumentException if a history holds an id outside 0..N or leaves no candidate
   */
  default List<List<ScoredItem>> topK(List<int[]> histories) {
    return selectAll(histories, -1);
  }

  /**
   * Releases native resources, if any; idempotent. The default does nothing.
   */
  @Override
  default void close() {}

  /**
   * Returns the {@code k} best items for the next interaction, best first. The history's items
   * and the padding id 0 are never returned. Ties are broken by the higher score first, then the
   * lower item id.
   *
   * @param history the user's items, oldest first; may be empty; 0 entries are padding
   * @param k how many items, 1..(N minus the number of distinct history items)
   * @return an unmodifiable list of exactly {@code k} items
   * @throws IllegalArgumentException if {@code k} is out of range or the history holds an id
   *     outside 0..N
   */
  default List<ScoredItem> topK(int[] history, int k) {
    validateHistory(history, numItems());
    return TopK.select(checkedScores(scores(history)), k, history);
  }

  /**
   * Batch form of {@link #topK(int[], int)}; uses {@link #scores(List)} so that batching models
   * score all histories together.
   *
   * @param histories the histories
   * @param k how many items per history (see {@link #topK(int[], int)})
   * @return an unmodifiable list with one result list per history, in order
   * @throws IllegalArgumentException if {@code k} is out of range for some history or a history
   *     holds an id outside 0..N
   */
  default List<List<ScoredItem>> topK(List<int[]> histories, int k) {
    return selectAll(histories, k);
  }

  /**
   * Checks that a history only holds ids in 0..{@code numItems}.
   *
   * @param history the history to check
   * @param numItems N
   * @throws IllegalArgumentException naming the first bad position and id
   */
  static void validateHistory(int[] history, int numItems) {
    if (history == null) {
      throw new IllegalArgumentException("history must not be null; pass an empty array instead");
    }
    for (int t = 0; t < history.length; t++) {
      int item = history[t];
      if (item < 0 || item > numItems) {
        throw new IllegalArgumentException(
            "history[" + t + "] = " + item + " is not a known item id; allowed 1.." + numItems
                + " (0 = padding)");
      }
    }
  }

  /** Validates, scores all histories in one call, selects; {@code k < 0}: the default k. */
  private List<List<ScoredItem>> selectAll(List<int[]> histories, int k) {
    for (int[] h : histories) {
      validateHistory(h, numItems());
    }
    float[][] all = scores(histories);
    if (all.length != histories.size()) {
      throw new IllegalStateException(
          "scores(List) returned " + all.length + " arrays for " + histories.size() + " histories");
    }
    List<List<ScoredItem>> out = new ArrayList<>(all.length);
    for (int i = 0; i < all.length; i++) {
      int[] h = histories.get(i);
      int kk = k < 0 ? Math.min(DEFAULT_K, candidates(h, numItems())) : k;
      out.add(TopK.select(checkedScores(all[i]), kk, h));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The items of a history without its padding zeros, at most the {@code max} most recent (the
   * window a model with a bounded input reads).
   *
   * @param history the history, oldest first; 0 entries are padding
   * @param max the largest number of items kept, {@code >= 0}
   * @return a new array, oldest first
   * @throws IllegalArgumentException if {@code max} is negative
   */
  static int[] recentItems(int[] history, int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max = " + max + "; allowed >= 0");
    }
    int n = 0;
    for (int x : history) {
      if (x != 0) {
        n++;
      }
    }
    int keep = Math.min(n, max);
    int[] out = new int[keep];
    int k = keep;
    for (int i = history.length - 1; i >= 0 && k > 0; i--) {
      if (history[i] != 0) {
        out[--k] = history[i];
      }
    }
    return out;
  }

  /**
   * The number of items a history leaves to recommend: N minus its distinct items (padding 0
   * ignored).
   *
   * @param history a valid history ({@link #validateHistory})
   * @param numItems N
   * @return the candidate count, 0 when the history holds every item
   */
  static int candidateCount(int[] history, int numItems) {
    return numItems - (int) java.util.Arrays.stream(history).filter(i -> i != 0).distinct()
        .count();
  }

  private static int candidates(int[] history, int numItems) {
    int c = candidateCount(history, numItems);
    if (c < 1) {
      throw new IllegalArgumentException("the history holds all " + numItems
          + " items; there is nothing left to recommend");
    }
    return c;
  }

  private float[] checkedScores(float[] s) {
    if (s == null || s.length != numItems() + 1) {
      throw new IllegalStateException(
          "scores() must return numItems() + 1 = " + (numItems() + 1) + " values, got "
              + (s == null ? "null" : s.length));
    }
    return s;
  }
}

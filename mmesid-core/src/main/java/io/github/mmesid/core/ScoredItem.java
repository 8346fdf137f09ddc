package io.github.mmesid.core;

/**
 * One recommended item with the score the recommender gave it.
 *
 * @param item the item id, 1..N (0 is padding and never recommended)
 * @param score the recommender's score; higher means more relevant
 */
public record ScoredItem(int item, float score) {

  /**
   * Validates the item id.
   *
   * @param item the item id, 1..N
   * @param score the score
   * @throws IllegalArgumentException if {@code item < 1}
   */
  public ScoredItem {
    if (item < 1) {
      throw new IllegalArgumentException(
          "item id " + item + " is not allowed in a ScoredItem; item ids are 1..N (0 is padding)");
    }
  }
}

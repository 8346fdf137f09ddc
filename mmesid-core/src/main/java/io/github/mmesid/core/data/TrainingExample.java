package io.github.mmesid.core.data;

/**
 * One next-item training example.
 *
 * @param user the user index in the dataset
 * @param history the items before the target, oldest first (possibly capped to the most recent
 *     ones); never empty
 * @param target the item to predict
 */
public record TrainingExample(int user, int[] history, int target) {

  /**
   * Copies the history so the record stays immutable.
   *
   * @param user the user index
   * @param history the items before the target, non-empty
   * @param target the item to predict, at least 1
   * @throws IllegalArgumentException if the history is empty or the target is not an item id
   */
  public TrainingExample {
    if (history == null || history.length == 0) {
      throw new IllegalArgumentException("a training example needs a non-empty history");
    }
    if (target < 1) {
      throw new IllegalArgumentException("target " + target + " is not an item id; item ids are >= 1");
    }
    history = history.clone();
  }

  /**
   * Returns a copy of the history.
   *
   * @return the history
   */
  @Override
  public int[] history() {
    return history.clone();
  }
}

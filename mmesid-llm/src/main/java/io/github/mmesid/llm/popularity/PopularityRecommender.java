package io.github.mmesid.llm.popularity;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;

/**
 * The most-popular baseline: every item's score is its number of occurrences in the training
 * parts of the leave-one-out split (items[:-2] of users with at least 3 items, all items of
 * shorter users), independent of the history. Immutable and thread-safe.
 */
public final class PopularityRecommender implements SequentialRecommender {

  private final float[] scores;
  private final long[] counts;

  private PopularityRecommender(long[] counts) {
    this.counts = counts;
    this.scores = new float[counts.length];
    for (int i = 1; i < counts.length; i++) {
      scores[i] = counts[i];
    }
  }

  /**
   * Trains (counts item occurrences in the training parts of) a dataset.
   *
   * @param dataset the dataset
   * @return the recommender
   */
  public static PopularityRecommender train(SequenceDataset dataset) {
    return train(LeaveOneOutSplit.of(dataset));
  }

  /**
   * Trains on (counts item occurrences in the training parts of) a split.
   *
   * @param split the split
   * @return the recommender
   */
  public static PopularityRecommender train(LeaveOneOutSplit split) {
    return new PopularityRecommender(split.trainingItemCounts());
  }

  /**
   * Uses given counts.
   *
   * @param counts {@code [N + 1]}, index 0 ignored, all {@code >= 0}, N at least 1 (copied)
   * @return the recommender
   * @throws IllegalArgumentException if the array is too short or a count is negative
   */
  public static PopularityRecommender fromCounts(long[] counts) {
    if (counts == null || counts.length < 2) {
      throw new IllegalArgumentException("counts must have length N + 1 >= 2 (index 0 = padding)");
    }
    long[] c = counts.clone();
    c[0] = 0;
    for (int i = 1; i < c.length; i++) {
      if (c[i] < 0) {
        throw new IllegalArgumentException("count of item " + i + " = " + c[i] + "; counts must be >= 0");
      }
    }
    return new PopularityRecommender(c);
  }

  @Override
  public int numItems() {
    return scores.length - 1;
  }

  /**
   * Returns an item's training count.
   *
   * @param item the item id, 1..N
   * @return the count
   * @throws IllegalArgumentException if the id is outside 1..N
   */
  public long count(int item) {
    if (item < 1 || item >= counts.length) {
      throw new IllegalArgumentException("item " + item + " is out of range; allowed 1.." + numItems());
    }
    return counts[item];
  }

  @Override
  public float[] scores(int[] history) {
    SequentialRecommender.validateHistory(history, numItems());
    return scores.clone();
  }
}

package io.github.mmesid.core.eval;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;

/**
 * A real, history-independent model for the evaluator's tests: each item scores its number of
 * occurrences in the training parts (the popularity baseline's rule, which lives in mmesid-llm).
 */
final class CountsRecommender implements SequentialRecommender {
  private final long[] counts;

  private CountsRecommender(long[] counts) {
    this.counts = counts;
  }

  static CountsRecommender of(SequenceDataset d) {
    return of(LeaveOneOutSplit.of(d));
  }

  static CountsRecommender of(LeaveOneOutSplit split) {
    return new CountsRecommender(split.trainingItemCounts());
  }

  long count(int item) {
    return counts[item];
  }

  @Override
  public int numItems() {
    return counts.length - 1;
  }

  @Override
  public float[] scores(int[] history) {
    SequentialRecommender.validateHistory(history, numItems());
    float[] s = new float[counts.length];
    for (int i = 1; i < s.length; i++) {
      s[i] = counts[i];
    }
    return s;
  }
}

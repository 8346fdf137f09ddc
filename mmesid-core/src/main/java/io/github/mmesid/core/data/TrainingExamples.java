package io.github.mmesid.core.data;

import io.github.mmesid.core.SequenceDataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The next-item training examples of a leave-one-out split (METHOD.md section 1): for each
 * position t of a user's training part, at most the last {@code maxTargetsPerUser} positions and
 * never position 0 (it has no history), the input is the items before t and the target the item
 * at t. The input can be capped to its most recent {@code maxHistoryLength} items (0 = no cap,
 * the default). Examples are stored as (user, position) pairs; histories are materialised on
 * demand. Immutable and thread-safe.
 */
public final class TrainingExamples {

  /** The reference number of training targets per user. */
  public static final int DEFAULT_MAX_TARGETS_PER_USER = 50;

  private final SequenceDataset dataset;
  private final int[] users;
  private final int[] positions;
  private final int maxHistoryLength;

  private TrainingExamples(SequenceDataset dataset, int[] users, int[] positions, int maxHistoryLength) {
    this.dataset = dataset;
    this.users = users;
    this.positions = positions;
    this.maxHistoryLength = maxHistoryLength;
  }

  /**
   * Builds the examples with the defaults: at most 50 targets per user, no history cap.
   *
   * @param split the split
   * @return the examples
   */
  public static TrainingExamples of(LeaveOneOutSplit split) {
    return of(split, DEFAULT_MAX_TARGETS_PER_USER, 0);
  }

  /**
   * Builds the examples.
   *
   * @param split the split
   * @param maxTargetsPerUser how many of the last training positions become targets, at least 1
   * @param maxHistoryLength cap on the input length (most recent items kept), or 0 for no cap
   * @return the examples, ordered by user, then position
   * @throws IllegalArgumentException if a setting is out of range
   */
  public static TrainingExamples of(LeaveOneOutSplit split, int maxTargetsPerUser, int maxHistoryLength) {
    if (maxTargetsPerUser < 1) {
      throw new IllegalArgumentException("maxTargetsPerUser = " + maxTargetsPerUser + "; must be >= 1");
    }
    if (maxHistoryLength < 0) {
      throw new IllegalArgumentException("maxHistoryLength = " + maxHistoryLength + "; must be >= 1, or 0 for no cap");
    }
    SequenceDataset d = split.dataset();
    long total = 0;
    for (int u = 0; u < d.numUsers(); u++) {
      total += count(split.trainLength(u), maxTargetsPerUser);
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(total + " training examples exceed the supported " + (Integer.MAX_VALUE - 8));
    }
    int[] users = new int[(int) total];
    int[] positions = new int[(int) total];
    int k = 0;
    for (int u = 0; u < d.numUsers(); u++) {
      int m = split.trainLength(u);
      for (int t = Math.max(1, m - maxTargetsPerUser); t < m; t++) {
        users[k] = u;
        positions[k] = t;
        k++;
      }
    }
    return new TrainingExamples(d, users, positions, maxHistoryLength);
  }

  private static int count(int trainLength, int maxTargets) {
    return Math.max(0, trainLength - Math.max(1, trainLength - maxTargets));
  }

  /**
   * Returns the number of examples.
   *
   * @return the count
   */
  public int size() {
    return users.length;
  }

  /**
   * Returns the dataset the examples come from.
   *
   * @return the dataset
   */
  public SequenceDataset dataset() {
    return dataset;
  }

  /**
   * Returns the history cap (0 = none).
   *
   * @return the cap
   */
  public int maxHistoryLength() {
    return maxHistoryLength;
  }

  /**
   * Returns the user of an example.
   *
   * @param i the example index, 0..size()-1
   * @return the user index
   */
  public int user(int i) {
    check(i);
    return users[i];
  }

  /**
   * Returns the position of an example's target in its user's sequence.
   *
   * @param i the example index
   * @return the position t, at least 1
   */
  public int position(int i) {
    check(i);
    return positions[i];
  }

  /**
   * Returns an example's target item.
   *
   * @param i the example index
   * @return the item id
   */
  public int target(int i) {
    check(i);
    return dataset.item(users[i], positions[i]);
  }

  /**
   * Returns the length of an example's (capped) history.
   *
   * @param i the example index
   * @return the length, at least 1
   */
  public int historyLength(int i) {
    check(i);
    int t = positions[i];
    return maxHistoryLength == 0 ? t : Math.min(t, maxHistoryLength);
  }

  /**
   * Returns an example's (capped) history.
   *
   * @param i the example index
   * @return the items before the target, oldest first
   */
  public int[] history(int i) {
    int len = historyLength(i);
    int t = positions[i];
    return dataset.sequence(users[i], t - len, t);
  }

  /**
   * Returns one example.
   *
   * @param i the example index
   * @return the example
   * @throws IllegalArgumentException if the index is out of range
   */
  public TrainingExample get(int i) {
    return new TrainingExample(user(i), history(i), target(i));
  }

  /**
   * Returns a seeded random permutation of the example indices (for shuffled epochs).
   *
   * @param seed the seed
   * @return a permutation of 0..size()-1
   */
  public int[] shuffledOrder(long seed) {
    int[] order = new int[users.length];
    Arrays.setAll(order, i -> i);
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  private void check(int i) {
    if (i < 0 || i >= users.length) {
      throw new IllegalArgumentException(
          "example index " + i + " is out of range; allowed 0.." + (users.length - 1));
    }
  }
}

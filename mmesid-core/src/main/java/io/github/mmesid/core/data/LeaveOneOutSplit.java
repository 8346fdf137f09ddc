package io.github.mmesid.core.data;

import io.github.mmesid.core.SequenceDataset;

/**
 * The leave-one-out split of a {@link SequenceDataset}: per user, the last item is the test
 * target, the second-to-last the validation target, and the rest the training part. Users with
 * fewer than {@value #MIN_EVAL_LENGTH} items are not evaluated; their whole sequence is training
 * data. Immutable and thread-safe.
 */
public final class LeaveOneOutSplit {

  /** The shortest sequence that yields a validation and a test target. */
  public static final int MIN_EVAL_LENGTH = 3;

  private final SequenceDataset dataset;
  private final int[] evaluable;

  private LeaveOneOutSplit(SequenceDataset dataset) {
    this.dataset = dataset;
    int count = 0;
    for (int u = 0; u < dataset.numUsers(); u++) {
      if (dataset.length(u) >= MIN_EVAL_LENGTH) {
        count++;
      }
    }
    int[] e = new int[count];
    int k = 0;
    for (int u = 0; u < dataset.numUsers(); u++) {
      if (dataset.length(u) >= MIN_EVAL_LENGTH) {
        e[k++] = u;
      }
    }
    this.evaluable = e;
  }

  /**
   * Splits a dataset.
   *
   * @param dataset the dataset
   * @return the split
   */
  public static LeaveOneOutSplit of(SequenceDataset dataset) {
    return new LeaveOneOutSplit(dataset);
  }

  /**
   * Returns the dataset.
   *
   * @return the dataset
   */
  public SequenceDataset dataset() {
    return dataset;
  }

  /**
   * Returns the number of items N.
   *
   * @return N
   */
  public int numItems() {
    return dataset.numItems();
  }

  /**
   * Returns whether a user has validation and test targets.
   *
   * @param user the user index
   * @return true if the sequence has at least 3 items
   */
  public boolean evaluable(int user) {
    return dataset.length(user) >= MIN_EVAL_LENGTH;
  }

  /**
   * Returns the indices of the evaluable users, ascending.
   *
   * @return a new array
   */
  public int[] evaluableUsers() {
    return evaluable.clone();
  }

  /**
   * Returns the length of a user's training part: length - 2 if evaluable, else the length.
   *
   * @param user the user index
   * @return the training length
   */
  public int trainLength(int user) {
    int len = dataset.length(user);
    return len >= MIN_EVAL_LENGTH ? len - 2 : len;
  }

  /**
   * Returns a user's training part.
   *
   * @param user the user index
   * @return the first {@link #trainLength(int)} items
   */
  public int[] trainPart(int user) {
    return dataset.sequence(user, 0, trainLength(user));
  }

  /**
   * The position of a split's target in an evaluable sequence: the last item for test, the
   * second-to-last for validation (its history is everything before it).
   *
   * @param length the sequence length, at least {@link #MIN_EVAL_LENGTH}
   * @param split which target
   * @return {@code length - 1} (test) or {@code length - 2} (validation)
   */
  public static int targetIndex(int length, Split split) {
    return split == Split.TEST ? length - 1 : length - 2;
  }

  /**
   * Returns a user's target for a split.
   *
   * @param user an evaluable user
   * @param split which target
   * @return the last (test) or second-to-last (valid) item
   * @throws IllegalArgumentException if the user is not evaluable
   */
  public int target(int user, Split split) {
    int len = checkEvaluable(user);
    return dataset.item(user, targetIndex(len, split));
  }

  /**
   * Returns the history the target of a split is predicted from: all items before it.
   *
   * @param user an evaluable user
   * @param split which target
   * @return items[:-1] for test, items[:-2] for valid
   * @throws IllegalArgumentException if the user is not evaluable
   */
  public int[] history(int user, Split split) {
    int len = checkEvaluable(user);
    return dataset.sequence(user, 0, targetIndex(len, split));
  }

  /**
   * Counts each item's occurrences in the training parts.
   *
   * @return an array of length N + 1 (index 0 = 0)
   */
  public long[] trainingItemCounts() {
    long[] counts = new long[dataset.numItems() + 1];
    for (int u = 0; u < dataset.numUsers(); u++) {
      for (int item : trainPart(u)) {
        counts[item]++;
      }
    }
    return counts;
  }

  /**
   * A split over a fixed, seeded sample of the evaluable users (for validation during training:
   * the same sample at every validation keeps the metric comparable).
   *
   * @param users sample size; 0 or at least the number of evaluable users keeps all users (this
   *     split is returned)
   * @param seed the seed of the sample
   * @return a split over the chosen users, with the same item ids
   * @throws IllegalArgumentException if no user is evaluable or {@code users} is negative
   */
  public LeaveOneOutSplit sampleEvaluableUsers(int users, long seed) {
    if (users < 0) {
      throw new IllegalArgumentException("users = " + users + "; allowed: >= 0 (0 = all)");
    }
    if (evaluable.length == 0) {
      throw new IllegalArgumentException("no user has at least " + MIN_EVAL_LENGTH
          + " items, so there is no validation or test target");
    }
    if (users == 0 || users >= evaluable.length) {
      return this;
    }
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed ^ 0x5A5E_C0DEL);
    int[] pick = evaluable.clone();
    for (int i = 0; i < users; i++) {
      int j = i + r.nextInt(pick.length - i);
      int tmp = pick[i];
      pick[i] = pick[j];
      pick[j] = tmp;
    }
    int[] chosen = java.util.Arrays.copyOf(pick, users);
    java.util.Arrays.sort(chosen);
    SequenceDataset.Builder b = SequenceDataset.builder();
    for (int u : chosen) {
      b.add(dataset.userKey(u), dataset.sequence(u));
    }
    return of(b.build(dataset.mapping()));
  }

  private int checkEvaluable(int user) {
    int len = dataset.length(user);
    if (len < MIN_EVAL_LENGTH) {
      throw new IllegalArgumentException(
          "user " + user + " ('" + dataset.userKey(user) + "') has " + len + " items; evaluation targets need at least "
              + MIN_EVAL_LENGTH);
    }
    return len;
  }

  /** Returns a summary: users, evaluable users, items. */
  @Override
  public String toString() {
    return "LeaveOneOutSplit[users=" + dataset.numUsers() + ", evaluable=" + evaluable.length + ", items="
        + dataset.numItems() + "]";
  }
}

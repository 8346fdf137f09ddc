package io.github.mmesid.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a batch of histories into runs of one length each, for models that pad a batch to its
 * longest history: no run pays for a longer neighbour's padding, and a history's scores do not
 * depend on the other histories of the call (a padded batch changes reduction sizes, and with
 * them the last bit of the scores). {@link SequentialRecommender} implementations backed by ONNX
 * Runtime use it in their {@code scores(List)}.
 */
public final class LengthBatches {

  private LengthBatches() {}

  /**
   * Groups indices by length: each returned array holds the indices of histories of one length,
   * ascending, at most {@code maxBatch} of them; arrays are ordered by length, shortest first.
   *
   * @param lengths the length of each history (as the model reads it, e.g. after cutting to its
   *     maximum history)
   * @param maxBatch the most histories per run, at least 1
   * @return the runs; together they hold every index exactly once
   * @throws IllegalArgumentException if {@code maxBatch < 1} or a length is negative
   */
  public static List<int[]> of(int[] lengths, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch = " + maxBatch + "; allowed >= 1");
    }
    int n = lengths.length;
    long[] keyed = new long[n]; // (length, index) packed so that one primitive sort orders both
    for (int i = 0; i < n; i++) {
      if (lengths[i] < 0) {
        throw new IllegalArgumentException("lengths[" + i + "] = " + lengths[i] + "; allowed >= 0");
      }
      keyed[i] = ((long) lengths[i] << 32) | i;
    }
    Arrays.sort(keyed);
    List<int[]> runs = new ArrayList<>();
    int from = 0;
    while (from < n) {
      int len = (int) (keyed[from] >>> 32);
      int to = from;
      while (to < n && to - from < maxBatch && (int) (keyed[to] >>> 32) == len) {
        to++;
      }
      int[] run = new int[to - from];
      for (int j = 0; j < run.length; j++) {
        run[j] = (int) keyed[from + j];
      }
      runs.add(run);
      from = to;
    }
    return runs;
  }
}

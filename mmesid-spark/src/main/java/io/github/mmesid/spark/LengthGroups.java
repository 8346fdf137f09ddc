package io.github.mmesid.spark;

import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a batch of histories into groups of equal effective length (non-padding items, capped at
 * the model's window), in first-appearance order. Neural models pad a batch to its longest
 * history, and MME-SID's scores of a history move by an ulp with that padding; scoring equal
 * lengths together gives every history the scores it gets when scored alone, so the output does
 * not depend on which users share a Spark batch.
 */
final class LengthGroups {

  private LengthGroups() {}

  /** The number of most recent items the model reads (0 for popularity, whose scores ignore it; unbounded for unknown models). */
  static int window(SequentialRecommender rec) {
    if (rec instanceof io.github.mmesid.llm.popularity.PopularityRecommender) {
      return 0; // scores do not depend on the history: one group
    }
    if (rec instanceof MmeSidRecommender m) {
      return m.config().maxHistory();
    }
    if (rec instanceof SasRecRecommender s) {
      return s.config().maxLen();
    }
    return Integer.MAX_VALUE;
  }

  /**
   * Groups positions 0..n-1 of {@code histories} by effective length.
   *
   * @param histories the histories
   * @param window the model's window
   * @return the groups, each a list of positions in input order
   */
  static List<List<Integer>> of(List<int[]> histories, int window) {
    Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < histories.size(); i++) {
      int len = 0;
      for (int x : histories.get(i)) {
        if (x != 0) {
          len++;
        }
      }
      groups.computeIfAbsent(Math.min(len, window), x -> new ArrayList<>()).add(i);
    }
    return new ArrayList<>(groups.values());
  }
}

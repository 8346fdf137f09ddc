package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialRecommenderTest {

  /** Scores item i as the number of history items below i: a real, history-dependent model. */
  private static final class CountBelow implements SequentialRecommender {
    @Override
    public int numItems() {
      return 6;
    }

    @Override
    public float[] scores(int[] history) {
      SequentialRecommender.validateHistory(history, numItems());
      float[] s = new float[7];
      for (int i = 1; i <= 6; i++) {
        for (int h : history) {
          if (h != 0 && h < i) {
            s[i]++;
          }
        }
      }
      return s;
    }
  }

  @Test
  void topKExcludesHistoryAndPadding() {
    SequentialRecommender r = new CountBelow();
    // history {2, 4}: scores 1:0 2:0 3:1 4:1 5:2 6:2
    List<ScoredItem> top = r.topK(new int[] {0, 2, 4}, 3);
    assertEquals(List.of(new ScoredItem(5, 2f), new ScoredItem(6, 2f), new ScoredItem(3, 1f)), top);
    assertEquals(4, r.topK(new int[] {0, 2, 4}, 4).size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.topK(new int[] {2, 4}, 5));
    assertTrue(e.getMessage().contains("1..4"), e.getMessage());
  }

  /** A catalog with more than DEFAULT_K items, scored by id. */
  private static final class ById implements SequentialRecommender {
    @Override
    public int numItems() {
      return 25;
    }

    @Override
    public float[] scores(int[] history) {
      float[] s = new float[26];
      for (int i = 1; i <= 25; i++) {
        s[i] = i;
      }
      return s;
    }
  }

  @Test
  void topKWithoutKReturnsTheDefaultTenOrAllCandidates() {
    SequentialRecommender big = new ById();
    List<ScoredItem> top = big.topK(new int[] {25, 3});
    assertEquals(SequentialRecommender.DEFAULT_K, top.size());
    assertEquals(big.topK(new int[] {25, 3}, 10), top);
    assertEquals(24, top.get(0).item());
    // fewer candidates than 10: all of them, never an error
    SequentialRecommender small = new CountBelow();
    assertEquals(4, small.topK(new int[] {2, 4}).size());
    List<List<ScoredItem>> batch = small.topK(List.of(new int[] {2, 4}, new int[0]));
    assertEquals(4, batch.get(0).size());
    assertEquals(6, batch.get(1).size());
    assertEquals(List.of(10, 10), big.topK(List.of(new int[] {1}, new int[0])).stream().map(List::size).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> small.topK(new int[] {1, 2, 3, 4, 5, 6}));
    assertTrue(e.getMessage().contains("nothing left to recommend"), e.getMessage());
  }

  @Test
  void closeIsADefaultNoOpForRecommendersWithoutNativeResources() {
    try (SequentialRecommender r = new CountBelow()) {
      r.close();
      assertEquals(6, r.numItems()); // still usable: nothing was released
    }
  }

  @Test
  void batchTopKMatchesSingle() {
    SequentialRecommender r = new CountBelow();
    List<int[]> hs = List.of(new int[] {1}, new int[] {6, 5}, new int[0]);
    List<List<ScoredItem>> batch = r.topK(hs, 2);
    for (int i = 0; i < hs.size(); i++) {
      assertEquals(r.topK(hs.get(i), 2), batch.get(i));
    }
  }

  @Test
  void badHistoriesAreRejectedWithTheAllowedRange() {
    SequentialRecommender r = new CountBelow();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.topK(new int[] {1, 7}, 1));
    assertTrue(e.getMessage().contains("history[1] = 7") && e.getMessage().contains("1..6"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> r.topK(new int[] {-1}, 1));
    assertThrows(IllegalArgumentException.class, () -> r.topK(new int[] {1}, 0));
  }

  @Test
  void recentItemsDropsPaddingAndKeepsTheMostRecent() {
    int[] h = {0, 0, 5, 0, 3, 4, 0, 2};
    assertArrayEquals(new int[] {5, 3, 4, 2}, SequentialRecommender.recentItems(h, 10));
    assertArrayEquals(new int[] {4, 2}, SequentialRecommender.recentItems(h, 2));
    assertArrayEquals(new int[0], SequentialRecommender.recentItems(h, 0));
    assertArrayEquals(new int[0], SequentialRecommender.recentItems(new int[] {0, 0}, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SequentialRecommender.recentItems(h, -1));
    assertTrue(e.getMessage().contains("allowed >= 0"), e.getMessage());
  }

  @Test
  void scoredItemRejectsPadding() {
    assertThrows(IllegalArgumentException.class, () -> new ScoredItem(0, 1f));
  }

  @Test
  void candidateCountIgnoresPaddingAndRepeats() {
    assertEquals(5, SequentialRecommender.candidateCount(new int[0], 5));
    assertEquals(3, SequentialRecommender.candidateCount(new int[] {0, 2, 4, 2, 0}, 5));
    assertEquals(0, SequentialRecommender.candidateCount(new int[] {1, 2, 3, 4, 5}, 5));
  }
}

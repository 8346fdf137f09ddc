package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKTest {

  @Test
  void orderIsHigherScoreThenLowerId() {
    assertTrue(TopK.before(2f, 5, 1f, 1));
    assertTrue(TopK.before(1f, 1, 1f, 2));
    assertFalse(TopK.before(1f, 2, 1f, 2));
    assertTrue(TopK.before(-100f, 9, Float.NaN, 1), "NaN ranks as negative infinity");
    assertTrue(TopK.before(Float.NaN, 1, Float.NaN, 2));
  }

  @Test
  void selectsBestWithTiesAndExclusion() {
    //                 pad  1   2   3   4   5   6
    float[] scores = {99f, 1f, 3f, 3f, 5f, 3f, 0f};
    List<ScoredItem> top = TopK.select(scores, 4, new int[] {4, 0});
    assertEquals(List.of(new ScoredItem(2, 3f), new ScoredItem(3, 3f), new ScoredItem(5, 3f), new ScoredItem(1, 1f)), top);
  }

  @Test
  void kRangeIsCheckedAgainstCandidates() {
    float[] scores = {0f, 1f, 2f, 3f};
    assertEquals(2, TopK.select(scores, 2, new int[] {1, 1}).size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopK.select(scores, 3, new int[] {1}));
    assertTrue(e.getMessage().contains("allowed 1..2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TopK.select(scores, 0, null));
    assertThrows(IllegalArgumentException.class, () -> TopK.select(scores, 1, new int[] {4}));
    assertThrows(IllegalArgumentException.class, () -> TopK.select(scores, 1, new int[] {-1}));
  }

  @Test
  void matchesFullSortOnRandomData() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 50; trial++) {
      int n = 1 + rnd.nextInt(300);
      float[] scores = new float[n + 1];
      for (int i = 1; i <= n; i++) {
        int v = rnd.nextInt(22); // many ties, some NaN and -inf
        scores[i] = v == 20 ? Float.NaN : v == 21 ? Float.NEGATIVE_INFINITY : v;
      }
      int[] exclude = new int[rnd.nextInt(Math.max(1, n / 3))];
      for (int i = 0; i < exclude.length; i++) {
        exclude[i] = 1 + rnd.nextInt(n);
      }
      List<ScoredItem> all = new ArrayList<>();
      java.util.Set<Integer> ex = new java.util.HashSet<>();
      for (int x : exclude) {
        ex.add(x);
      }
      for (int i = 1; i <= n; i++) {
        if (!ex.contains(i)) {
          all.add(new ScoredItem(i, scores[i]));
        }
      }
      all.sort(Comparator.comparingDouble((ScoredItem s) -> Float.isNaN(s.score()) ? Double.POSITIVE_INFINITY : -s.score())
          .thenComparingInt(ScoredItem::item));
      int k = 1 + rnd.nextInt(all.size());
      assertEquals(all.subList(0, k), TopK.select(scores, k, exclude));
      for (int pos = 0; pos < all.size(); pos++) {
        assertEquals(pos, TopK.rank(scores, all.get(pos).item(), exclude));
      }
    }
  }

  @Test
  void rankCountsBetterCandidatesOnly() {
    //                 pad  1   2   3   4
    float[] scores = {50f, 4f, 4f, 1f, 9f};
    assertEquals(2, TopK.rank(scores, 2, null), "item 4 scores higher; item 1 ties with the lower id");
    assertEquals(0, TopK.rank(scores, 2, new int[] {1, 4, 0, 4}), "excluded items and padding do not count");
    assertEquals(0, TopK.rank(scores, 4, new int[] {4}), "the target is ranked even if listed as excluded");
    assertThrows(IllegalArgumentException.class, () -> TopK.rank(scores, 0, null));
    assertThrows(IllegalArgumentException.class, () -> TopK.rank(scores, 5, null));
  }
}

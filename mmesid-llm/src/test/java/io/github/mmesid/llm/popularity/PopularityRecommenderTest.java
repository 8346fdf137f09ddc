package io.github.mmesid.llm.popularity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import java.util.List;
import org.junit.jupiter.api.Test;

class PopularityRecommenderTest {

  @Test
  void countsTheTrainingPartsAndRecommendsTheMostFrequentUnseenItems() {
    // training parts: u1 {1,2,3} (its last two items are held out), u2 {2,3} (too short to
    // evaluate: all of it trains), u3 {2,1}
    SequenceDataset d = SequenceDataset.builder().add("u1", new int[] {1, 2, 3, 4, 5})
        .add("u2", new int[] {2, 3}).add("u3", new int[] {2, 1, 4, 5}).build(5);
    PopularityRecommender pop = PopularityRecommender.train(d);
    assertEquals(2, pop.count(1));
    assertEquals(3, pop.count(2));
    assertEquals(2, pop.count(3));
    assertEquals(0, pop.count(5));
    List<ScoredItem> top = pop.topK(new int[] {2});
    assertEquals(List.of(1, 3, 4, 5), top.stream().map(ScoredItem::item).toList());
  }

  @Test
  void badInputIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PopularityRecommender.fromCounts(new long[] {0, -1}));
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    PopularityRecommender pop = PopularityRecommender.fromCounts(new long[] {0, 1, 2});
    assertThrows(IllegalArgumentException.class, () -> pop.scores(new int[] {7}));
    assertThrows(IllegalArgumentException.class, () -> pop.count(3));
  }
}

package io.github.mmesid.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SequenceDataset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SplitAndExamplesTest {

  private static SequenceDataset data() {
    int[] longSeq = new int[60];
    for (int i = 0; i < 60; i++) {
      longSeq[i] = i + 1;
    }
    return SequenceDataset.builder()
        .add("a", new int[] {1, 2, 3, 4, 5})
        .add("b", new int[] {6, 7})
        .add("c", new int[] {8, 9, 10})
        .add("d", longSeq)
        .build();
  }

  @Test
  void leaveOneOut() {
    LeaveOneOutSplit s = LeaveOneOutSplit.of(data());
    assertArrayEquals(new int[] {0, 2, 3}, s.evaluableUsers());
    assertFalse(s.evaluable(1));
    assertArrayEquals(new int[] {1, 2, 3}, s.trainPart(0));
    assertArrayEquals(new int[] {6, 7}, s.trainPart(1));
    assertArrayEquals(new int[] {8}, s.trainPart(2));
    assertEquals(5, s.target(0, Split.TEST));
    assertEquals(4, s.target(0, Split.VALID));
    assertArrayEquals(new int[] {1, 2, 3, 4}, s.history(0, Split.TEST));
    assertArrayEquals(new int[] {1, 2, 3}, s.history(0, Split.VALID));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.target(1, Split.TEST));
    assertTrue(e.getMessage().contains("at least 3"), e.getMessage());
    long[] counts = s.trainingItemCounts();
    assertEquals(61, counts.length);
    assertEquals(2, counts[1]); // users a and d
    assertEquals(2, counts[6]); // b (short user: all items) and d
    assertEquals(2, counts[8]); // c and d
    assertEquals(1, counts[9]); // c: 9 is the valid target; d trains on it
    assertEquals(1, counts[4]); // a: 4 is the valid target; d trains on it
    assertEquals(1, counts[58]);
    assertEquals(0, counts[59]); // d: 59 = valid target, 60 = test target
    assertEquals(0, counts[60]);
    assertEquals(Split.VALID, Split.parse("validation"));
    assertThrows(IllegalArgumentException.class, () -> Split.parse("train"));
  }

  @Test
  void trainingExamplesUseTheLast50Positions() {
    LeaveOneOutSplit s = LeaveOneOutSplit.of(data());
    TrainingExamples ex = TrainingExamples.of(s);
    // a: train [1,2,3] -> targets at t=1,2 ; b: [6,7] -> t=1 ; c: [8] -> none ; d: train 1..58 -> t=8..57
    assertEquals(2 + 1 + 0 + 50, ex.size());
    assertEquals(new TrainingExample(0, new int[] {1}, 2).target(), ex.get(0).target());
    assertArrayEquals(new int[] {1, 2}, ex.history(1));
    assertEquals(3, ex.target(1));
    assertEquals(1, ex.user(2));
    assertArrayEquals(new int[] {6}, ex.history(2));
    assertEquals(7, ex.target(2));
    assertEquals(3, ex.user(3));
    assertEquals(8, ex.position(3));
    assertEquals(9, ex.target(3));
    assertEquals(8, ex.historyLength(3));
    assertEquals(58, ex.target(ex.size() - 1));
    assertEquals(57, ex.historyLength(ex.size() - 1));

    TrainingExamples capped = TrainingExamples.of(s, 2, 3);
    // a: t=1,2 ; b: t=1 ; d: t=56,57
    assertEquals(5, capped.size());
    assertArrayEquals(new int[] {55, 56, 57}, capped.history(4));
    assertEquals(58, capped.target(4));
    assertArrayEquals(new int[] {1}, capped.history(0));

    int[] order = ex.shuffledOrder(3);
    assertArrayEquals(order, ex.shuffledOrder(3));
    int[] sorted = order.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
    assertNotEquals(Arrays.toString(order), Arrays.toString(sorted));
    assertThrows(IllegalArgumentException.class, () -> TrainingExamples.of(s, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> TrainingExamples.of(s, 5, -1));
    assertThrows(IllegalArgumentException.class, () -> ex.get(ex.size()));
  }

  @Test
  void targetIndexIsTheLastOrSecondToLastPosition() {
    assertEquals(4, LeaveOneOutSplit.targetIndex(5, Split.TEST));
    assertEquals(3, LeaveOneOutSplit.targetIndex(5, Split.VALID));
    LeaveOneOutSplit s = LeaveOneOutSplit.of(data());
    for (int u : s.evaluableUsers()) {
      for (Split split : Split.values()) {
        int[] all = data().sequence(u, 0, data().length(u));
        int at = LeaveOneOutSplit.targetIndex(all.length, split);
        assertEquals(all[at], s.target(u, split));
        assertArrayEquals(Arrays.copyOf(all, at), s.history(u, split));
      }
    }
  }
}

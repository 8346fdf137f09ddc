package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LengthBatchesTest {

  @Test
  void everyIndexOnceOneLengthPerRunAtMostMaxBatchShortestFirst() {
    SplittableRandom r = new SplittableRandom(4);
    int[] lengths = new int[1000];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = r.nextInt(12);
    }
    List<int[]> runs = LengthBatches.of(lengths, 32);
    boolean[] seen = new boolean[lengths.length];
    int previousLength = -1;
    int previousIndex = -1;
    for (int[] run : runs) {
      assertTrue(run.length >= 1 && run.length <= 32, "run size " + run.length);
      int len = lengths[run[0]];
      assertTrue(len >= previousLength, "runs shortest first");
      if (len != previousLength) {
        previousIndex = -1;
      }
      for (int i : run) {
        assertEquals(len, lengths[i], "one length per run");
        assertTrue(i > previousIndex, "indices ascend within a length");
        assertTrue(!seen[i], "index " + i + " twice");
        seen[i] = true;
        previousIndex = i;
      }
      previousLength = len;
    }
    for (int i = 0; i < seen.length; i++) {
      assertTrue(seen[i], "index " + i + " missing");
    }
  }

  @Test
  void smallCasesByHand() {
    List<int[]> runs = LengthBatches.of(new int[] {3, 1, 3, 0, 1, 3}, 2);
    assertEquals(4, runs.size());
    assertArrayEquals(new int[] {3}, runs.get(0));
    assertArrayEquals(new int[] {1, 4}, runs.get(1));
    assertArrayEquals(new int[] {0, 2}, runs.get(2));
    assertArrayEquals(new int[] {5}, runs.get(3));
    assertTrue(LengthBatches.of(new int[0], 5).isEmpty());
  }

  @Test
  void badArgumentsSayWhatIsAllowed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LengthBatches.of(new int[] {1}, 0));
    assertEquals("maxBatch = 0; allowed >= 1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LengthBatches.of(new int[] {2, -1}, 4));
    assertEquals("lengths[1] = -1; allowed >= 0", e.getMessage());
  }
}

package io.github.mmesid.llm.sasrec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.train.Batch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Training windows, left padding and target rows of the SASRec batch source. */
class SasRecBatchesTest {

  /** A batch over freshly allocated buffers. */
  private static final class Buffers implements Batch, AutoCloseable {
    final Map<String, HostTensor> m = new LinkedHashMap<>();
    final int size;

    Buffers(Map<String, long[]> shapes, int size) {
      this.size = size;
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        m.put(e.getKey(), HostTensor.allocate(DType.INT64, e.getValue()));
      }
    }

    @Override
    public HostTensor tensor(String inputName) {
      return m.get(inputName);
    }

    @Override
    public Set<String> names() {
      return m.keySet();
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public void close() {
      m.values().forEach(HostTensor::close);
    }
  }

  private static SasRecConfig config(int maxLen) {
    return SasRecConfig.builder().dim(4).maxLen(maxLen).dropout(0.1).build();
  }

  private static SasRecBatches batches(LeaveOneOutSplit split, SasRecConfig c) {
    return new SasRecBatches(split, c.maxLen());
  }

  @Test
  void windowsAreLeftPaddedAndEveryPositionPredictsTheNextItem() {
    // Training parts: u0 = [1 2 3 4 5 6] (8 items), u1 = [7 8] (4 items), u2 = [9] (too short).
    SequenceDataset d = SequenceDataset.builder().add("u0", new int[] {1, 2, 3, 4, 5, 6, 10, 11})
        .add("u1", new int[] {7, 8, 12, 13}).add("u2", new int[] {9, 14, 15}).build(15);
    SasRecConfig c = config(4);
    SasRecBatches b = batches(LeaveOneOutSplit.of(d), c);
    assertEquals(2, b.size());
    Map<String, long[]> shapes = b.inputShapes(2);
    assertArrayEquals(new long[] {2, 4}, shapes.get(SasRecNet.ITEMS));
    assertEquals(Set.of(SasRecNet.ITEMS, SasRecNet.POSITIONS, SasRecNet.TARGETS), shapes.keySet(),
        "dropout noise is made in the graph");
    int v = b.capacity(2);
    assertTrue(v >= 5 && v <= 8, "capacity " + v);
    try (Buffers buf = new Buffers(shapes, 2)) {
      b.fill(new int[] {1, 0}, buf);
      // u1: window [7 8] -> input [0 0 0 7], target 8 at slot 3.
      // u0: window [2 3 4 5 6] (last maxLen + 1) -> input [2 3 4 5], targets 3 4 5 6.
      assertArrayEquals(new long[] {0, 0, 0, 7, 2, 3, 4, 5}, buf.tensor(SasRecNet.ITEMS).toLongArray());
      long[] pos = buf.tensor(SasRecNet.POSITIONS).toLongArray();
      long[] tgt = buf.tensor(SasRecNet.TARGETS).toLongArray();
      assertArrayEquals(new long[] {3, 4, 5, 6, 7}, java.util.Arrays.copyOf(pos, 5));
      assertArrayEquals(new long[] {8, 3, 4, 5, 6}, java.util.Arrays.copyOf(tgt, 5));
      for (int i = 5; i < v; i++) {
        assertEquals(0, tgt[i], "unused rows have target 0");
        assertEquals(0, pos[i]);
      }
    }
    assertEquals(0, b.droppedTargets());
  }

  @Test
  void overfullBatchesDropTheOldestTargetsOfTheLongestSequences() {
    SequenceDataset.Builder db = SequenceDataset.builder();
    for (int u = 0; u < 100; u++) {
      db.add("s" + u, new int[] {1, 2, 3, 4}); // 1 target each
    }
    db.add("long1", new int[] {1, 2, 3, 4, 5, 6, 7}); // window 1..5: 4 targets
    db.add("long2", new int[] {2, 3, 4, 5, 6, 7, 8});
    SasRecConfig c = config(4);
    SasRecBatches b = batches(LeaveOneOutSplit.of(db.build(8)), c);
    int v = b.capacity(2);
    assertTrue(v < 8, "capacity " + v + " must be below the 8 targets of the two long users");
    try (Buffers buf = new Buffers(b.inputShapes(2), 2)) {
      b.fill(new int[] {100, 101}, buf);
      long[] tgt = buf.tensor(SasRecNet.TARGETS).toLongArray();
      int used = 0;
      for (long t : tgt) {
        used += t > 0 ? 1 : 0;
      }
      assertEquals(v - (v % 2 == 0 ? 0 : 1), used);
      // The most recent targets survive: 5 (long1) and 6 (long2) are the last ones.
      assertTrue(contains(tgt, 5) && contains(tgt, 6));
    }
    assertEquals(8 - (v - (v % 2 == 0 ? 0 : 1)), b.droppedTargets());
  }

  @Test
  void needsAUserWithTwoTrainingItems() {
    SequenceDataset d = SequenceDataset.builder().add("a", new int[] {1, 2, 3}).build(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> batches(LeaveOneOutSplit.of(d), config(4)));
    assertTrue(e.getMessage().contains("at least 2 training items"), e.getMessage());
  }

  private static boolean contains(long[] a, long x) {
    for (long y : a) {
      if (y == x) {
        return true;
      }
    }
    return false;
  }
}
